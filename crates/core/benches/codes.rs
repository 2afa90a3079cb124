//! Parsing the national codes: every form submission and import row goes through these.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use zerotrip_core::ids::{CreditCode, DivisionCode, ImplementationCode, ResidentId};

fn codes(c: &mut Criterion) {
    c.bench_function("ResidentId::parse", |b| {
        b.iter(|| ResidentId::parse(black_box("460106199001011239")))
    });
    c.bench_function("CreditCode::parse", |b| {
        b.iter(|| CreditCode::parse(black_box("91460100MA5TQ7B2X8")))
    });
    c.bench_function("ImplementationCode::parse", |b| {
        b.iter(|| ImplementationCode::parse(black_box("11450721MB155808114000104002000")))
    });
    c.bench_function("DivisionCode::parse (12 digits)", |b| {
        b.iter(|| DivisionCode::parse(black_box("460106100201")))
    });
    c.bench_function("DivisionCode::parse (6 digits)", |b| {
        b.iter(|| DivisionCode::parse(black_box("460106")))
    });
    // The floor any parser of an owned code sits on: copy the text and look at every byte.
    c.bench_function(
        "baseline: copy 18 chars and check they are ASCII alphanumeric",
        |b| {
            b.iter(|| {
                let text = black_box("460106199001011239");
                let owned = text.to_owned();
                black_box(owned.bytes().all(|b| b.is_ascii_alphanumeric()));
                owned
            })
        },
    );
}

criterion_group!(benches, codes);
criterion_main!(benches);
