//! Timestamps in the service's format: ISO-8601 UTC with microseconds and `Z`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, e.g. `2024-01-24T15:22:07.408155Z`.
pub(crate) fn now_iso() -> String {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    iso_from_unix(d.as_secs(), d.subsec_micros())
}

/// Formats seconds since the epoch (UTC) plus microseconds.
pub(crate) fn iso_from_unix(secs: u64, micros: u32) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_date(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01: counts whole 400-year eras (146,097 days each) from
/// 0000-03-01, then the year within the era, with years starting in March so that the leap day comes last.
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::iso_from_unix;

    #[test]
    fn known_instants() {
        assert_eq!(iso_from_unix(0, 0), "1970-01-01T00:00:00.000000Z");
        // 2024-01-24T15:22:07Z (the service doc's example) and a leap day.
        assert_eq!(iso_from_unix(1_706_109_727, 408_155), "2024-01-24T15:22:07.408155Z");
        assert_eq!(iso_from_unix(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(iso_from_unix(4_107_542_399, 0), "2100-02-28T23:59:59.000000Z");
    }
}
