//! The working-day calendar: deadline arithmetic runs for every case on every list page.

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use zerotrip_core::calendar::WorkingDayCalendar;

/// Every day from 2019-01-01 to 2026-12-31, the range the official data covers.
fn covered_days() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    first.iter_days().take_while(|date| *date <= last).collect()
}

fn calendar(c: &mut Criterion) {
    let calendar = WorkingDayCalendar::official();
    let days = covered_days();
    let mut cycle = days.iter().copied().cycle();

    c.bench_function("add_working_days(_, 20)", |b| {
        b.iter(|| calendar.add_working_days(black_box(cycle.next().unwrap_or_default()), 20))
    });
    c.bench_function("add_working_days(_, 250)", |b| {
        b.iter(|| calendar.add_working_days(black_box(cycle.next().unwrap_or_default()), 250))
    });
    c.bench_function("working_days_between(_, _ + 365 days)", |b| {
        b.iter(|| {
            let start = black_box(cycle.next().unwrap_or_default());
            calendar.working_days_between(start, start + Days::new(365))
        })
    });
    c.bench_function("is_working_day", |b| {
        b.iter(|| calendar.is_working_day(black_box(cycle.next().unwrap_or_default())))
    });
    // The obvious day-by-day loop, as the baseline the ratios in BENCHMARKS.md compare with.
    c.bench_function("baseline: day-by-day add of 20", |b| {
        b.iter(|| {
            let mut date = black_box(cycle.next().unwrap_or_default());
            let mut left = 20;
            while left > 0 {
                date = date.succ_opt().unwrap_or(date);
                left -= u32::from(calendar.is_working_day(date));
            }
            date
        })
    });
}

criterion_group!(benches, calendar);
criterion_main!(benches);
