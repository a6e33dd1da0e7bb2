//! Unix time to a civil (proleptic Gregorian) UTC date, without a calendar dependency.

/// The UTC calendar date `(year, month, day)` of a Unix time in seconds (Howard Hinnant's
/// days-from-civil algorithm, inverted).
pub fn civil_date_utc(unix_secs: u64) -> (i64, u32, u32) {
    let z = (unix_secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m as u32, d as u32)
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a Unix time in seconds.
pub fn utc_timestamp(unix_secs: u64) -> String {
    let (y, m, d) = civil_date_utc(unix_secs);
    let rem = unix_secs % 86_400;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3_600, rem % 3_600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_date_utc(0), (1970, 1, 1));
        assert_eq!(civil_date_utc(951_782_400), (2000, 2, 29));
        assert_eq!(civil_date_utc(1_796_515_199), (2026, 12, 5));
        assert_eq!(utc_timestamp(1_796_515_199), "2026-12-05 23:59:59 UTC");
    }
}
