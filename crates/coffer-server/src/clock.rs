//! Timestamps in the service's format: ISO-8601 UTC with microseconds and `Z`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, e.g. `2024-01-24T15:22:07.408155Z`.
pub(crate) fn now_iso() -> String {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    iso_from_unix(d.as_secs(), d.subsec_micros())
}

/// Formats seconds since the epoch (UTC) plus microseconds.
pub(crate) fn iso_from_unix(secs: u64, micros: u32) -> String {
    let rem = secs % 86_400;
    let (y, m, d) = coffer_core::civil_date_utc(secs);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
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
