//! Properties of the national codes and the working-day calendar over generated inputs.

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;
use zerotrip_core::calendar::WorkingDayCalendar;
use zerotrip_core::ids::{
    BasicCode, CreditCode, DivisionCode, DivisionLevel, ExerciseLevel, Gender, ImplementationCode,
    ResidentId, credit_code_check_char, resident_id_check_char,
};
use zerotrip_core::regions::DivisionTree;

/// GB 32100's 31 characters.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn date_in(first_year: i32, last_year: i32) -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap();
    (0..=(last - first).num_days() as u64).prop_map(move |offset| first + Days::new(offset))
}

/// A 6-digit region code of 海南 from the embedded tree (county level or above).
fn hainan_region6() -> impl Strategy<Value = String> {
    let codes: Vec<String> = DivisionTree::hainan()
        .iter()
        .filter(|division| division.level != DivisionLevel::Township)
        .map(|division| division.code.to_string())
        .collect();
    proptest::sample::select(codes)
}

/// The first 17 digits of a valid ID number: region, a real birth date, sequence number.
fn resident_id_parts() -> impl Strategy<Value = (String, NaiveDate, u16)> {
    (hainan_region6(), date_in(1900, 2025), 0u16..1000)
}

fn resident_id_text(region: &str, birth: NaiveDate, sequence: u16) -> String {
    let first17 = format!("{region}{}{sequence:03}", birth.format("%Y%m%d"));
    let check = resident_id_check_char(&first17).unwrap();
    format!("{first17}{check}")
}

fn credit_char() -> impl Strategy<Value = char> {
    proptest::sample::select(CREDIT_ALPHABET.to_vec()).prop_map(char::from)
}

/// A valid credit code: any authority/category/body characters, a digit region.
fn credit_code_text() -> impl Strategy<Value = String> {
    (
        credit_char(),
        credit_char(),
        "[0-9]{6}",
        proptest::collection::vec(credit_char(), 9),
    )
        .prop_map(|(authority, category, region, org)| {
            let org: String = org.into_iter().collect();
            let first17 = format!("{authority}{category}{region}{org}");
            let check = credit_code_check_char(&first17).unwrap();
            format!("{first17}{check}")
        })
}

fn calendar() -> WorkingDayCalendar {
    WorkingDayCalendar::official()
}

/// The obvious day-by-day version, to check the fast one against.
fn add_slowly(calendar: &WorkingDayCalendar, from: NaiveDate, days: u32) -> NaiveDate {
    let mut date = from;
    let mut left = days;
    while left > 0 {
        date = date.succ_opt().unwrap();
        if calendar.is_working_day(date) {
            left -= 1;
        }
    }
    date
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_resident_ids_parse_and_read_back(
        (region, birth, sequence) in resident_id_parts()
    ) {
        let text = resident_id_text(&region, birth, sequence);
        let id = ResidentId::parse(&text).unwrap();
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert_eq!(id.birth_date(), birth);
        prop_assert_eq!(id.region_code(), region.as_str());
        let expected = if sequence % 2 == 1 { Gender::Male } else { Gender::Female };
        prop_assert_eq!(id.gender(), expected);
        let masked = id.masked();
        prop_assert_eq!(masked.chars().count(), 18);
        prop_assert_eq!(&masked[..4], &text[..4]);
        prop_assert_eq!(&masked[14..], &text[14..]);
        prop_assert!(masked[4..14].chars().all(|c| c == '*'));
    }

    /// MOD 11-2 catches every single-digit change: weights are non-zero mod 11.
    #[test]
    fn changing_one_of_the_first_17_digits_is_rejected(
        (region, birth, sequence) in resident_id_parts(),
        position in 0usize..17,
        delta in 1u8..10,
    ) {
        let text = resident_id_text(&region, birth, sequence);
        let mut bytes = text.into_bytes();
        bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(ResidentId::parse(&changed).is_err(), "{} was accepted", changed);
    }

    #[test]
    fn generated_credit_codes_parse(text in credit_code_text()) {
        let code = CreditCode::parse(&text).unwrap();
        prop_assert_eq!(code.as_str(), text.as_str());
        prop_assert_eq!(code.region_code(), &text[2..8]);
        prop_assert_eq!(CreditCode::parse(&text.to_lowercase()).unwrap(), code);
    }

    /// MOD 31 with weights that are non-zero mod 31 catches every single substitution.
    #[test]
    fn substituting_one_credit_code_character_is_rejected(
        text in credit_code_text(),
        position in 0usize..18,
        replacement in credit_char(),
    ) {
        let mut chars: Vec<char> = text.chars().collect();
        prop_assume!(chars[position] != replacement);
        chars[position] = replacement;
        let changed: String = chars.into_iter().collect();
        prop_assert!(CreditCode::parse(&changed).is_err(), "{} was accepted", changed);
    }

    #[test]
    fn credit_codes_from_parts_pass_both_checks(
        authority in credit_char(),
        category in credit_char(),
        region in "[0-9]{6}",
        body in proptest::collection::vec(credit_char(), 8),
    ) {
        let body: String = body.into_iter().collect();
        let code = CreditCode::from_parts(authority, category, &region, &body).unwrap();
        prop_assert_eq!(code.org_code_warning(), None);
        prop_assert_eq!(&code.org_code()[..8], body.as_str());
    }

    #[test]
    fn twelve_digit_division_codes_round_trip(
        head in "[1-9][0-9]{5}",
        township in 0u16..1000,
        village in 0u16..1000,
    ) {
        let twelve = format!("{head}{township:03}{village:03}");
        let code = DivisionCode::parse(&twelve).unwrap();
        prop_assert_eq!(code.to_twelve_digits(), twelve);
        prop_assert_eq!(DivisionCode::parse(&code.to_twelve_digits()).unwrap(), code.clone());

        let chain: Vec<DivisionCode> =
            std::iter::successors(Some(code.clone()), DivisionCode::parent).collect();
        let top = chain.last().unwrap();
        prop_assert_eq!(top.level(), DivisionLevel::Province);
        prop_assert_eq!(top.province_code(), code.province_code());
        for pair in chain.windows(2) {
            prop_assert!(pair[0].level() > pair[1].level());
            prop_assert!(pair[1].is_ancestor_of(&code));
        }
    }

    #[test]
    fn basic_codes_round_trip_through_their_parts(
        owner in prop_oneof![Just(0u8), 11u8..=82],
        type_code in 0u8..30,
        main in 0u32..100_000,
        sub in 0u32..1000,
    ) {
        let owner = format!("{owner:02}");
        let type_code = format!("{type_code:02}");
        let code = BasicCode::new(&owner, &type_code, main, sub).unwrap();
        let parsed = BasicCode::parse(code.as_str()).unwrap();
        prop_assert_eq!(parsed.owner(), owner.as_str());
        prop_assert_eq!(parsed.type_code(), type_code.as_str());
        prop_assert_eq!(parsed.main_item().parse::<u32>().unwrap(), main);
        prop_assert_eq!(parsed.sub_item().parse::<u32>().unwrap(), sub);
    }

    #[test]
    fn implementation_codes_round_trip_through_their_parts(
        credit in credit_code_text(),
        level in proptest::sample::select(ExerciseLevel::ALL.to_vec()),
        main in 0u32..100_000,
        sub in 0u32..1000,
    ) {
        let credit = CreditCode::parse(&credit).unwrap();
        let basic = BasicCode::new("46", "01", main, sub).unwrap();
        let code = ImplementationCode::new(&credit, level, &basic);
        let parsed = ImplementationCode::parse(code.as_str()).unwrap();
        prop_assert_eq!(parsed.credit_code(), credit);
        prop_assert_eq!(parsed.level(), level);
        prop_assert_eq!(parsed.basic_code(), basic);
        prop_assert_eq!(parsed, code);
    }

    #[test]
    fn between_inverts_add(from in date_in(2016, 2029), days in 1u32..400) {
        let calendar = calendar();
        let end = calendar.add_working_days(from, days);
        prop_assert_eq!(calendar.working_days_between(from, end), i64::from(days));
        prop_assert_eq!(calendar.working_days_between(end, from), -i64::from(days));
        // The day before the end is one working day short: the end is the first such day.
        let before = end.pred_opt().unwrap();
        prop_assert_eq!(calendar.working_days_between(from, before), i64::from(days) - 1);
    }

    #[test]
    fn add_agrees_with_counting_day_by_day(from in date_in(2017, 2028), days in 0u32..300) {
        let calendar = calendar();
        prop_assert_eq!(calendar.add_working_days(from, days), add_slowly(&calendar, from, days));
    }

    #[test]
    fn add_is_monotonic_and_lands_on_working_days(
        from in date_in(2016, 2029),
        days in 1u32..400,
    ) {
        let calendar = calendar();
        let end = calendar.add_working_days(from, days);
        let next = calendar.add_working_days(from, days + 1);
        prop_assert!(next > end);
        prop_assert!(calendar.is_working_day(end));
        prop_assert!(calendar.day_kind(end).is_working_day());
        prop_assert!(end >= from + Days::new(u64::from(days)));
        prop_assert_eq!(calendar.next_working_day(end), end);
    }

    #[test]
    fn between_is_additive(
        a in date_in(2016, 2029),
        b in date_in(2016, 2029),
        c in date_in(2016, 2029),
    ) {
        let calendar = calendar();
        prop_assert_eq!(
            calendar.working_days_between(a, b) + calendar.working_days_between(b, c),
            calendar.working_days_between(a, c)
        );
    }

    #[test]
    fn coverage_follows_the_notice_years(date in date_in(2010, 2035)) {
        prop_assert_eq!(calendar().covers(date), (2019..=2026).contains(&date.year()));
    }
}
