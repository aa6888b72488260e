//! Typed durations and dates, and the exact comparison of durations.
//!
//! A duration is a number of months and a number of days (a year is twelve
//! months, a week seven days). Adding one to a date adds the months first,
//! keeping the day of the month or clamping it to the month's last day, then
//! the days: the arithmetic of PostgreSQL intervals, so the retention jobs
//! privet generates agree with the checker.
//!
//! "A is never longer than B" means: from every start date, A ends no later
//! than B. When one of A and B is not longer in both months and days, privet
//! decides this by trying every start date of one 400-year Gregorian cycle,
//! after which the calendar repeats; so the answer is exact, never an
//! approximation such as "a month is 30 days".

use std::fmt;

/// A length of time in months and days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Duration {
    pub months: u32,
    pub days: u32,
}

/// The units a duration may be written in, with the months and days of one.
const UNITS: &[(&str, &str, u32, u32)] = &[
    ("day", "days", 0, 1),
    ("week", "weeks", 0, 7),
    ("month", "months", 1, 0),
    ("year", "years", 12, 0),
];

/// Why a written duration or date is not valid, with a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
    pub help: Option<String>,
    /// Whether the problem is in the unit rather than the number.
    pub in_unit: bool,
}

impl Duration {
    pub fn from_days(days: u32) -> Self {
        Duration { months: 0, days }
    }

    pub fn from_months(months: u32) -> Self {
        Duration { months, days: 0 }
    }

    /// Parses `3 years`, given as its number and its unit.
    pub fn parse(amount: &str, unit: &str) -> Result<Duration, ValueError> {
        let too_long = || {
            ValueError {
            message: format!("`{amount} {unit}` is too long a duration"),
            help: Some(
                "a duration may be at most 9000 years; use `forever` for records that are never deleted"
                    .to_string(),
            ),
            in_unit: false,
        }
        };
        let count: u32 = amount.parse().map_err(|_| too_long())?;
        let Some((_, _, months, days)) = UNITS
            .iter()
            .find(|(singular, plural, _, _)| unit == *singular || unit == *plural)
        else {
            let known = UNITS.iter().flat_map(|(s, p, _, _)| [*s, *p]);
            let help = match crate::diagnostic::closest(unit, known) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => "durations are written in days, weeks, months or years".to_string(),
            };
            return Err(ValueError {
                message: format!("unknown unit of time `{unit}`"),
                help: Some(help),
                in_unit: true,
            });
        };
        // Bounded so that every date privet computes stays within year 9999.
        let limit = 12 * 9000;
        let total_months = count.checked_mul(*months).ok_or_else(too_long)?;
        let total_days = count.checked_mul(*days).ok_or_else(too_long)?;
        if total_months > limit || total_days > limit * 31 {
            return Err(too_long());
        }
        Ok(Duration {
            months: total_months,
            days: total_days,
        })
    }

    /// The date this long after `start`.
    pub fn after(self, start: Date) -> Date {
        start.add_months(self.months).add_days(self.days)
    }

    /// Whether, from every start date, this duration ends no later than
    /// `other`.
    pub fn never_longer_than(self, other: Duration) -> bool {
        if self.months <= other.months && self.days <= other.days {
            return true;
        }
        if self.months >= other.months && self.days >= other.days {
            return false;
        }
        // Mixed: more months but fewer days, or the other way round. The
        // days are added after the months, so a side without months spans
        // the same from every start, and only the other side's fewest (or
        // most) days matter.
        if self.months == 0 {
            return i64::from(self.days) <= other.day_bounds().0;
        }
        if other.months == 0 {
            return self.day_bounds().1 <= i64::from(other.days);
        }
        memoised(&MIXED_COMPARISONS, (self, other), || {
            let cycle_start = Date::from_day_number(Date::EPOCH_CYCLE_START);
            (0..DAYS_IN_400_YEARS).all(|offset| {
                let start = cycle_start.add_days(offset);
                self.after(start) <= other.after(start)
            })
        })
    }

    /// Whether, from every start date, this duration ends no earlier than
    /// `other`: the same exact comparison as [`Duration::never_longer_than`],
    /// the other way round.
    pub fn never_shorter_than(self, other: Duration) -> bool {
        other.never_longer_than(self)
    }

    /// The fewest and most days this duration can span, over all start dates.
    /// A system that only knows whole days or a fixed length (S3 lifecycle
    /// days, Kafka's `retention.ms`) is given the fewest: its expiry then
    /// never comes later than the duration's, from any start date.
    pub fn day_bounds(self) -> (i64, i64) {
        let days = i64::from(self.days);
        // Without months, every start date gives the same span.
        if self.months == 0 {
            return (days, days);
        }
        let months = self.months;
        let (fewest, most) = memoised(&MONTH_SPANS, months, || {
            let cycle_start = Date::from_day_number(Date::EPOCH_CYCLE_START);
            let mut bounds = (i64::MAX, i64::MIN);
            for offset in 0..DAYS_IN_400_YEARS {
                let start = cycle_start.add_days(offset);
                let span = start.add_months(months).day_number() - start.day_number();
                bounds = (bounds.0.min(span), bounds.1.max(span));
            }
            bounds
        });
        (fewest + days, most + days)
    }
}

/// The fewest and most days a number of months spans, by number of months.
static MONTH_SPANS: Memo<u32, (i64, i64)> = Memo::new(std::collections::BTreeMap::new());
/// Comparisons of durations that mix months and days both ways.
static MIXED_COMPARISONS: Memo<(Duration, Duration), bool> =
    Memo::new(std::collections::BTreeMap::new());

type Memo<K, V> = std::sync::Mutex<std::collections::BTreeMap<K, V>>;

/// The most answers a memo keeps.
const MEMO_LIMIT: usize = 4096;

/// A walk over a 400-year cycle takes milliseconds, and a program compares
/// the same few durations over and over (every store against the policy, on
/// every keystroke in an editor): each answer is computed once per process.
fn memoised<K: Ord + Copy, V: Copy>(memo: &Memo<K, V>, key: K, compute: impl FnOnce() -> V) -> V {
    if let Some(value) = memo.lock().ok().and_then(|map| map.get(&key).copied()) {
        return value;
    }
    let value = compute();
    if let Ok(mut map) = memo.lock() {
        // A long editor session types many durations: keep the memory
        // bounded, at the cost of walking some again.
        if map.len() >= MEMO_LIMIT {
            map.clear();
        }
        map.insert(key, value);
    }
    value
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural =
            |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.months > 0 {
            if self.months.is_multiple_of(12) {
                parts.push(plural(self.months / 12, "year", "years"));
            } else {
                parts.push(plural(self.months, "month", "months"));
            }
        }
        if self.days > 0 || self.months == 0 {
            if self.days.is_multiple_of(7) && self.days > 0 {
                parts.push(plural(self.days / 7, "week", "weeks"));
            } else {
                parts.push(plural(self.days, "day", "days"));
            }
        }
        f.write_str(&parts.join(" and "))
    }
}

const DAYS_IN_400_YEARS: u32 = 146_097;

/// A calendar date in the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

impl Date {
    /// Day number of 2000-01-01, the start of a 400-year cycle.
    const EPOCH_CYCLE_START: i64 = 10_957;

    /// Parses `2024-10-24`.
    pub fn parse(text: &str) -> Result<Date, ValueError> {
        let invalid = |why: &str| ValueError {
            message: format!("`{text}` is not a valid date: {why}"),
            help: Some("dates are written YYYY-MM-DD, as in `2024-10-24`".to_string()),
            in_unit: false,
        };
        let mut parts = text.split('-');
        let (Some(year), Some(month), Some(day), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("expected year, month and day"));
        };
        if year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return Err(invalid("expected four digits, two and two"));
        }
        let year: i32 = year.parse().map_err(|_| invalid("bad year"))?;
        let month: u32 = month.parse().map_err(|_| invalid("bad month"))?;
        let day: u32 = day.parse().map_err(|_| invalid("bad day"))?;
        if !(1..=12).contains(&month) {
            return Err(invalid("there is no month 13 or above, nor month 0"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(invalid(&format!(
                "that month has {} days",
                days_in_month(year, month)
            )));
        }
        Ok(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn day_number(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    pub fn from_day_number(number: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = number + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    pub fn add_days(self, days: u32) -> Date {
        Date::from_day_number(self.day_number() + i64::from(days))
    }

    /// Adds months, clamping the day to the last day of the target month.
    pub fn add_months(self, months: u32) -> Date {
        let index =
            i64::from(self.year) * 12 + i64::from(self.month.saturating_sub(1)) + i64::from(months);
        let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
        let month = u32::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
        Date {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison by brute force over one 400-year cycle.
    fn never_longer_by_walking(a: Duration, b: Duration) -> bool {
        let cycle_start = Date::from_day_number(Date::EPOCH_CYCLE_START);
        (0..DAYS_IN_400_YEARS).all(|offset| {
            let start = cycle_start.add_days(offset);
            a.after(start) <= b.after(start)
        })
    }

    #[test]
    fn the_shortcuts_agree_with_walking_the_calendar() {
        let durations = [
            Duration::from_days(27),
            Duration::from_days(28),
            Duration::from_days(31),
            Duration::from_days(59),
            Duration::from_days(62),
            Duration::from_days(364),
            Duration::from_days(365),
            Duration::from_days(366),
            Duration::from_months(1),
            Duration::from_months(2),
            Duration::from_months(12),
            Duration { months: 1, days: 1 },
            Duration {
                months: 11,
                days: 30,
            },
        ];
        for a in durations {
            for b in durations {
                assert_eq!(
                    a.never_longer_than(b),
                    never_longer_by_walking(a, b),
                    "{a} against {b}"
                );
            }
        }
    }

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn parses_units_and_rejects_unknown_ones() {
        assert_eq!(
            Duration::parse("3", "years").unwrap(),
            Duration::from_months(36)
        );
        assert_eq!(
            Duration::parse("1", "week").unwrap(),
            Duration::from_days(7)
        );
        let error = Duration::parse("3", "yaers").unwrap_err();
        assert!(error.in_unit);
        assert_eq!(error.help.as_deref(), Some("did you mean `years`?"));
        assert!(Duration::parse("99999999999", "days").is_err());
        assert!(Duration::parse("4000000000", "years").is_err());
    }

    #[test]
    fn dates_are_validated() {
        assert_eq!(
            d("2024-02-29"),
            Date {
                year: 2024,
                month: 2,
                day: 29
            }
        );
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2024-13-01").is_err());
        assert!(Date::parse("2024-1-01").is_err());
        assert!(Date::parse("24-10-24").is_err());
    }

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(d("1970-01-01").day_number(), 0);
        assert_eq!(d("2000-01-01").day_number(), Date::EPOCH_CYCLE_START);
        for number in [-800_000, -1, 0, 59, 10_957, 20_000, 2_000_000] {
            assert_eq!(Date::from_day_number(number).day_number(), number);
        }
    }

    #[test]
    fn months_clamp_like_postgresql() {
        assert_eq!(d("2024-01-31").add_months(1), d("2024-02-29"));
        assert_eq!(d("2023-01-31").add_months(1), d("2023-02-28"));
        assert_eq!(d("2024-02-29").add_months(12), d("2025-02-28"));
        assert_eq!(d("2024-10-24").add_months(36), d("2027-10-24"));
    }

    #[test]
    fn comparison_is_exact_across_units() {
        let month = Duration::from_months(1);
        // A month is at most 31 days and at least 28.
        assert!(month.never_longer_than(Duration::from_days(31)));
        assert!(!month.never_longer_than(Duration::from_days(30)));
        assert!(Duration::from_days(28).never_longer_than(month));
        assert!(!Duration::from_days(29).never_longer_than(month));
        // A year is 365 or 366 days.
        let year = Duration::from_months(12);
        assert!(year.never_longer_than(Duration::from_days(366)));
        assert!(!year.never_longer_than(Duration::from_days(365)));
        assert_eq!(Duration::from_months(36).day_bounds(), (1095, 1096));
        assert_eq!(Duration::from_months(1).day_bounds(), (28, 31));
        assert!(Duration::from_months(2).never_longer_than(Duration::from_months(2)));
    }

    #[test]
    fn never_shorter_is_exact_across_units() {
        let month = Duration::from_months(1);
        // A month is at least 28 days and at most 31.
        assert!(month.never_shorter_than(Duration::from_days(28)));
        assert!(!month.never_shorter_than(Duration::from_days(29)));
        assert!(Duration::from_days(31).never_shorter_than(month));
        assert!(!Duration::from_days(30).never_shorter_than(month));
        let years = Duration::from_months(36);
        assert!(years.never_shorter_than(Duration::from_days(1095)));
        assert!(!years.never_shorter_than(Duration::from_days(1096)));
        assert!(Duration::from_days(1096).never_shorter_than(years));
        assert!(!Duration::from_days(1095).never_shorter_than(years));
        assert!(years.never_shorter_than(years));
        // Mixed on both sides: 1 month 3 days against 34 days.
        let mixed = Duration { months: 1, days: 3 };
        assert!(!mixed.never_shorter_than(Duration::from_days(32)));
        assert!(mixed.never_shorter_than(Duration::from_days(31)));
        for (a, b) in [
            (mixed, Duration::from_months(1)),
            (
                years,
                Duration {
                    months: 35,
                    days: 31,
                },
            ),
        ] {
            assert_eq!(a.never_shorter_than(b), never_longer_by_walking(b, a));
        }
    }

    #[test]
    fn day_bounds_without_months_are_the_days_from_every_start() {
        let cycle_start = Date::from_day_number(Date::EPOCH_CYCLE_START);
        for days in [0, 1, 30, 366, 1_000] {
            let duration = Duration::from_days(days);
            let spans: Vec<i64> = (0..DAYS_IN_400_YEARS)
                .step_by(97)
                .map(|offset| {
                    let start = cycle_start.add_days(offset);
                    duration.after(start).day_number() - start.day_number()
                })
                .collect();
            assert!(spans.iter().all(|span| *span == i64::from(days)));
            assert_eq!(duration.day_bounds(), (i64::from(days), i64::from(days)));
        }
    }

    #[test]
    fn durations_display_in_their_largest_unit() {
        assert_eq!(Duration::from_months(36).to_string(), "3 years");
        assert_eq!(Duration::from_months(1).to_string(), "1 month");
        assert_eq!(Duration::from_days(14).to_string(), "2 weeks");
        assert_eq!(Duration::from_days(0).to_string(), "0 days");
        assert_eq!(
            Duration {
                months: 12,
                days: 3
            }
            .to_string(),
            "1 year and 3 days"
        );
    }
}
