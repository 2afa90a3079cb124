//! Authorisation, route by route: every route of the JSON API and of the pages, for every kind of
//! principal, against objects the principal owns and objects of another person, another
//! department and another region.
//!
//! - The fixtures are real: cases, a draft, a delivered case with a bad rating and its
//!   rectification, 12345 work orders, 未办成事 records, knowledge entries, a consent and uploads,
//!   made through the API at the start; fees, in-site messages and a text message with a
//!   one-time code through the app, as the case code makes them.
//! - [`routes`] is the table: for each route the objects it is tried on and, for each
//!   (principal, object), the expected class of answer — allowed, refused (403 or 404) or sign-in
//!   required (401, or a redirect to a login page).
//! - The table must cover every route: it is checked against the OpenAPI document and against
//!   the `.route(…)` calls of the web crate's source. A new route fails this test until it has
//!   an entry.
//! - State-changing routes are sent by principals who must be refused, with a request that would
//!   work for someone allowed; afterwards everything is read back as the province administrator
//!   to prove nothing changed. Allowed principals get a harmless variant (one the app refuses
//!   for its content, after the access check) where there is one, and are skipped otherwise.
//! - Every answer is searched for identifiers of objects outside the principal's scope: case,
//!   work order, 未办成事 and fee numbers, ID numbers (full and masked), file keys, the draft's
//!   title, one-time codes, and the ids in lists and links.
//! - Someone with no business with an object is refused exactly as for one that does not exist
//!   (each such refusal is compared with the same request about a missing object).
//!
//! `scripts/test -p zerotrip-web --test authz -- --nocapture` prints the matrix.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use regex::Regex;
use reqwest::Method;
use reqwest::cookie::Jar;
use serde_json::{Value, json};
use support::{DEMO_PASSWORD, TestSite};
use zerotrip_core::access::Role;

const ITEM: &str = "HN-XK-00001";
/// A 市场监督管理部门 item companies file (企业移出经营异常名录).
const MARKET_ITEM: &str = "HN-QT-00008";
const LONGHUA: &str = "460106";
const XIUYING: &str = "460105";
const CITIZEN_A: &str = "460106199001011239";
const CITIZEN_B: &str = "460105198512120022";
const COMPANY: &str = "91460100MA5TQ7B2X8";
const PHONE_A: &str = "13800138000";
const DRAFT_TITLE: &str = "授权矩阵未发布的知识草稿";

// ---------------------------------------------------------------------------------------------
// Principals

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum P {
    Anon,
    /// 王小明, the owner of the `…A` objects.
    A,
    /// 李红, another person.
    B,
    /// 海南椰风餐饮有限公司.
    Co,
    /// 龙华区 comprehensive window (no department).
    LhWindow,
    /// 龙华区公安: the department handling the `…A` cases.
    LhClerk,
    LhReviewer,
    LhApprover,
    LhDeptAdmin,
    /// 龙华区市场监管: another department of the same region.
    SjClerk,
    SjReviewer,
    SjApprover,
    /// 秀英区公安: the same kind of department in another region.
    XyClerk,
    /// 龙华区 region administrator.
    Region,
    HlAgent,
    HlDispatcher,
    Auditor,
    Admin,
}

const PRINCIPALS: [P; 18] = [
    P::Anon,
    P::A,
    P::B,
    P::Co,
    P::LhWindow,
    P::LhClerk,
    P::LhReviewer,
    P::LhApprover,
    P::LhDeptAdmin,
    P::SjClerk,
    P::SjReviewer,
    P::SjApprover,
    P::XyClerk,
    P::Region,
    P::HlAgent,
    P::HlDispatcher,
    P::Auditor,
    P::Admin,
];

/// Departments of the demo staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Dept {
    LhPolice,
    LhMarket,
    XyPolice,
    Hotline,
}

impl P {
    fn username(self) -> Option<&'static str> {
        Some(match self {
            P::Anon => return None,
            P::A => CITIZEN_A,
            P::B => CITIZEN_B,
            P::Co => COMPANY,
            P::LhWindow => "lh_window",
            P::LhClerk => "lh_clerk",
            P::LhReviewer => "lh_reviewer",
            P::LhApprover => "lh_approver",
            P::LhDeptAdmin => "lh_dept_admin",
            P::SjClerk => "sj_clerk",
            P::SjReviewer => "sj_reviewer",
            P::SjApprover => "sj_approver",
            P::XyClerk => "xy_clerk",
            P::Region => "longhua",
            P::HlAgent => "hotline_agent",
            P::HlDispatcher => "hotline_dispatcher",
            P::Auditor => "auditor",
            P::Admin => "admin",
        })
    }

    /// The matrix column.
    fn column(self) -> &'static str {
        match self {
            P::Anon => "anon",
            P::A => "A",
            P::B => "B",
            P::Co => "co",
            P::LhWindow => "lhWin",
            P::LhClerk => "lhClk",
            P::LhReviewer => "lhRev",
            P::LhApprover => "lhApp",
            P::LhDeptAdmin => "lhDA",
            P::SjClerk => "sjClk",
            P::SjReviewer => "sjRev",
            P::SjApprover => "sjApp",
            P::XyClerk => "xyClk",
            P::Region => "rgnAd",
            P::HlAgent => "hlAgt",
            P::HlDispatcher => "hlDsp",
            P::Auditor => "audit",
            P::Admin => "admin",
        }
    }

    fn staff(self) -> bool {
        !matches!(self, P::Anon | P::A | P::B | P::Co)
    }

    fn applicant(self) -> bool {
        matches!(self, P::A | P::B | P::Co)
    }

    fn role(self) -> Option<Role> {
        Some(match self {
            P::Anon | P::A | P::B | P::Co => return None,
            P::LhWindow | P::LhClerk | P::SjClerk | P::XyClerk | P::HlAgent => Role::WindowClerk,
            P::LhReviewer | P::SjReviewer | P::HlDispatcher => Role::Reviewer,
            P::LhApprover | P::SjApprover => Role::Approver,
            P::LhDeptAdmin => Role::DepartmentAdmin,
            P::Region => Role::RegionAdmin,
            P::Auditor => Role::Auditor,
            P::Admin => Role::ProvinceAdmin,
        })
    }

    fn has(self, role: Role) -> bool {
        self.role() == Some(role)
    }

    fn dept(self) -> Option<Dept> {
        match self {
            P::LhClerk | P::LhReviewer | P::LhApprover | P::LhDeptAdmin => Some(Dept::LhPolice),
            P::SjClerk | P::SjReviewer | P::SjApprover => Some(Dept::LhMarket),
            P::XyClerk => Some(Dept::XyPolice),
            P::HlAgent | P::HlDispatcher => Some(Dept::Hotline),
            _ => None,
        }
    }

    fn region(self) -> Option<&'static str> {
        match self {
            P::LhWindow
            | P::LhClerk
            | P::LhReviewer
            | P::LhApprover
            | P::LhDeptAdmin
            | P::SjClerk
            | P::SjReviewer
            | P::SjApprover
            | P::Region => Some(LONGHUA),
            P::XyClerk => Some(XIUYING),
            P::HlAgent | P::HlDispatcher | P::Auditor | P::Admin => Some("460000"),
            _ => None,
        }
    }

    /// Takes workflow steps of cases (受理, 审核, 审批).
    fn handles(self) -> bool {
        matches!(
            self.role(),
            Some(Role::WindowClerk | Role::Reviewer | Role::Approver)
        )
    }

    fn overseer(self) -> bool {
        matches!(self, P::Admin | P::Auditor)
    }

    fn hotline(self) -> bool {
        self.dept() == Some(Dept::Hotline)
    }

    /// A comprehensive window clerk or region administrator of `region` (一窗受理 coordination).
    fn coordinates(self, region: &str) -> bool {
        ((self.has(Role::WindowClerk) && self.dept().is_none()) || self.has(Role::RegionAdmin))
            && within(self.region(), region)
    }
}

/// Whether the division `outer` is `inner` or contains it.
fn within(outer: Option<&str>, inner: &str) -> bool {
    let Some(outer) = outer else {
        return false;
    };
    if outer == inner {
        return true;
    }
    let prefix = if outer.ends_with("0000") {
        &outer[..2]
    } else if outer.ends_with("00") {
        &outer[..4]
    } else {
        outer
    };
    inner.starts_with(prefix)
}

// ---------------------------------------------------------------------------------------------
// Objects

/// What a route is tried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum O {
    /// Routes without an object.
    Nil,
    /// A's case at 龙华区公安, waiting for 受理.
    CaseA,
    /// B's case at 龙华区公安.
    CaseB,
    /// The company's case at 龙华区市场监管.
    CaseDept,
    /// B's case at 秀英区公安.
    CaseRegion,
    /// A's unsubmitted draft at 龙华区公安.
    DraftA,
    /// A's delivered case at 龙华区公安, rated 非常不满意.
    DoneA,
    /// A's work order, dispatched to 龙华区公安.
    HotA,
    /// B's work order about 秀英区, dispatched to 秀英区公安.
    HotB,
    /// The company's work order, dispatched to 龙华区市场监管.
    HotC,
    /// The rectification of DoneA's bad rating (龙华区公安).
    Rect,
    /// Recorded at the 龙华区 window, followed up by lh_clerk.
    UnrLh,
    /// Recorded and followed up by xy_clerk in 秀英区.
    UnrXy,
    KnowPub,
    KnowDraft,
    /// A's consent for B (for another item).
    ConsentA,
    /// The catalogue item of the cases.
    Item,
    /// Its implementation at 龙华区公安 and at 秀英区公安.
    ImplLh,
    ImplXy,
    /// A fee of CaseA (A, 龙华区公安) and one of CaseRegion (B, 秀英区公安).
    PayA,
    PayB,
    /// In-site messages of A and of B.
    MsgA,
    MsgB,
    /// A text message with a one-time code to A's phone.
    SmsA,
}

impl O {
    fn letter(self) -> &'static str {
        match self {
            O::Nil => "-",
            O::CaseA => "a",
            O::CaseB => "b",
            O::CaseDept => "d",
            O::CaseRegion => "r",
            O::DraftA => "f",
            O::DoneA => "e",
            O::HotA => "a",
            O::HotB => "b",
            O::HotC => "c",
            O::Rect => "t",
            O::UnrLh => "l",
            O::UnrXy => "x",
            O::KnowPub => "p",
            O::KnowDraft => "f",
            O::ConsentA => "a",
            O::Item => "i",
            O::ImplLh => "l",
            O::ImplXy => "x",
            O::PayA | O::MsgA | O::SmsA => "a",
            O::PayB | O::MsgB => "b",
        }
    }
}

const CASES: [O; 6] = [
    O::CaseA,
    O::CaseB,
    O::CaseDept,
    O::CaseRegion,
    O::DraftA,
    O::DoneA,
];
/// Submitted cases, one per ownership.
const FOUR: [O; 4] = [O::CaseA, O::CaseB, O::CaseDept, O::CaseRegion];
const ORDERS: [O; 3] = [O::HotA, O::HotB, O::HotC];
const UNRESOLVED: [O; 2] = [O::UnrLh, O::UnrXy];
const KNOWLEDGE: [O; 2] = [O::KnowPub, O::KnowDraft];
const IMPLEMENTATIONS: [O; 2] = [O::ImplLh, O::ImplXy];
const PAYMENTS: [O; 2] = [O::PayA, O::PayB];
const MESSAGES: [O; 2] = [O::MsgA, O::MsgB];
/// The one-time code in SmsA: no page or answer ever shows it.
const SMS_CODE: &str = "428613";

struct CaseFacts {
    applicant: P,
    dept: Dept,
    region: &'static str,
}

fn case_facts(o: O) -> Option<CaseFacts> {
    let (applicant, dept, region) = match o {
        O::CaseA | O::DraftA | O::DoneA => (P::A, Dept::LhPolice, LONGHUA),
        O::CaseB => (P::B, Dept::LhPolice, LONGHUA),
        O::CaseDept => (P::Co, Dept::LhMarket, LONGHUA),
        O::CaseRegion => (P::B, Dept::XyPolice, XIUYING),
        _ => return None,
    };
    Some(CaseFacts {
        applicant,
        dept,
        region,
    })
}

fn order_facts(o: O) -> Option<(P, Dept, &'static str)> {
    match o {
        O::HotA => Some((P::A, Dept::LhPolice, LONGHUA)),
        O::HotB => Some((P::B, Dept::XyPolice, XIUYING)),
        O::HotC => Some((P::Co, Dept::LhMarket, LONGHUA)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The policy: who may see and do what (crates/app/src/cases/access.rs, hotline, evaluation,
// unresolved, knowledge, catalogue).

/// The case's applicant; the handling department's case workers; the comprehensive window of
/// the filing region; region administrators of the handling region; province administrators and
/// auditors.
fn sees_case(p: P, o: O) -> bool {
    let Some(case) = case_facts(o) else {
        return false;
    };
    if !p.staff() {
        return p == case.applicant;
    }
    (p.dept() == Some(case.dept) && p.handles())
        || (p.coordinates(case.region) && p.has(Role::WindowClerk))
        || p.overseer()
        || (p.has(Role::RegionAdmin) && within(p.region(), case.region))
}

/// Takes steps of the case: its applicant and the handling department's case workers.
fn acts_on_case(p: P, o: O) -> bool {
    let Some(case) = case_facts(o) else {
        return false;
    };
    p == case.applicant || (p.dept() == Some(case.dept) && p.handles())
}

/// The comprehensive window: sees the case, hands results over, but takes no department step.
fn window_of(p: P, o: O) -> bool {
    case_facts(o).is_some_and(|case| p.coordinates(case.region) && p.has(Role::WindowClerk))
}

fn sees_order(p: P, o: O) -> bool {
    let Some((requester, lead, region)) = order_facts(o) else {
        return false;
    };
    if !p.staff() {
        return p == requester;
    }
    p.hotline()
        || p.dept() == Some(lead)
        || p.overseer()
        || (p.has(Role::RegionAdmin) && within(p.region(), region))
}

/// May the principal ever take this 12345 action on the order (409 when not in this state)?
fn order_action(p: P, o: O, action: &str) -> bool {
    let Some((requester, lead, _)) = order_facts(o) else {
        return false;
    };
    if p.hotline() {
        return matches!(
            action,
            "dispatch" | "redispatch" | "merge" | "reply" | "close" | "rework" | "callback"
        );
    }
    if p.staff() && p.dept() == Some(lead) {
        return matches!(action, "reply" | "return");
    }
    p == requester && action == "callback"
}

fn sees_rect(p: P) -> bool {
    acts_rect(p) || p.overseer() || (p.has(Role::RegionAdmin) && within(p.region(), LONGHUA))
}

/// 谁办理谁负责: the handling department's staff (any role).
fn acts_rect(p: P) -> bool {
    p.dept() == Some(Dept::LhPolice)
}

/// (recorder, owner, region)
fn unresolved_facts(o: O) -> Option<(P, P, &'static str)> {
    match o {
        O::UnrLh => Some((P::LhWindow, P::LhClerk, LONGHUA)),
        O::UnrXy => Some((P::XyClerk, P::XyClerk, XIUYING)),
        _ => None,
    }
}

fn sees_unresolved(p: P, o: O) -> bool {
    let Some((recorder, owner, region)) = unresolved_facts(o) else {
        return false;
    };
    p.staff() && (p == recorder || p == owner || p.coordinates(region) || p.overseer())
}

fn notes_unresolved(p: P, o: O) -> bool {
    let Some((recorder, owner, region)) = unresolved_facts(o) else {
        return false;
    };
    p.staff() && (p == recorder || p == owner || p.coordinates(region))
}

fn assigns_unresolved(p: P, o: O) -> bool {
    let Some((recorder, _, region)) = unresolved_facts(o) else {
        return false;
    };
    p.staff() && (p == recorder || p.coordinates(region))
}

fn closes_unresolved(p: P, o: O) -> bool {
    unresolved_facts(o).is_some_and(|(_, owner, _)| p == owner)
}

/// Records 未办成事: window clerks and region administrators.
fn desk(p: P) -> bool {
    p.has(Role::WindowClerk) || p.has(Role::RegionAdmin)
}

fn catalogue_admin(p: P) -> bool {
    matches!(
        p.role(),
        Some(Role::ProvinceAdmin | Role::RegionAdmin | Role::DepartmentAdmin)
    )
}

fn edits_implementation(p: P, o: O) -> bool {
    match o {
        O::ImplLh => {
            p == P::Admin
                || p == P::Region
                || (p.has(Role::DepartmentAdmin) && p.dept() == Some(Dept::LhPolice))
        }
        O::ImplXy => p == P::Admin,
        _ => false,
    }
}

/// The case a fee belongs to.
fn fee_case(o: O) -> Option<O> {
    match o {
        O::PayA => Some(O::CaseA),
        O::PayB => Some(O::CaseRegion),
        _ => None,
    }
}

/// Fees and results of a case: its applicant, every member of the handling department,
/// province administrators and auditors (crates/app/src/payments/mod.rs `may_view_case`).
fn sees_fees(p: P, case: O) -> bool {
    let Some(facts) = case_facts(case) else {
        return false;
    };
    p == facts.applicant || (p.staff() && p.dept() == Some(facts.dept)) || p.overseer()
}

/// Refunds: approvers and department administrators of the handling department.
fn refunds(p: P, case: O) -> bool {
    case_facts(case).is_some_and(|facts| {
        p.dept() == Some(facts.dept)
            && matches!(p.role(), Some(Role::Approver | Role::DepartmentAdmin))
    })
}

/// 核定收费: the window, approvers and department administrators of the handling department.
fn charges(p: P, case: O) -> bool {
    case_facts(case).is_some_and(|facts| {
        p.dept() == Some(facts.dept)
            && matches!(
                p.role(),
                Some(Role::WindowClerk | Role::Approver | Role::DepartmentAdmin)
            )
    })
}

/// The reconciliation: province administrators and auditors, approvers and department
/// administrators of a department (their department's fees).
fn reconciles(p: P) -> bool {
    p.overseer()
        || (p.dept().is_some() && matches!(p.role(), Some(Role::Approver | Role::DepartmentAdmin)))
}

fn message_owner(o: O) -> P {
    if o == O::MsgA { P::A } else { P::B }
}

/// Whether an identifier of `o` may appear in what `p` is shown (any route that legitimately
/// shows it: the object itself, and for the rated case its rectification).
fn knows(p: P, o: O) -> bool {
    match o {
        O::CaseA | O::CaseB | O::CaseDept | O::CaseRegion | O::DraftA => sees_case(p, o),
        O::DoneA => sees_case(p, o) || sees_rect(p),
        O::HotA | O::HotB | O::HotC => sees_order(p, o),
        O::Rect => sees_rect(p),
        O::UnrLh | O::UnrXy => sees_unresolved(p, o),
        O::KnowDraft => p.staff(),
        O::PayA | O::PayB => fee_case(o).is_some_and(|case| sees_fees(p, case)),
        _ => true,
    }
}

/// Whether `p` may be shown the id of `o` (in a link or a list): as [`knows`], and the
/// department's fee administrators link the fees they refund to the case they belong to.
fn knows_id(p: P, o: O) -> bool {
    knows(p, o) || (matches!(o, O::CaseA | O::CaseRegion) && sees_fees(p, o))
}

/// Whether `p` may know something of the applicant behind these objects (their masked ID).
fn knows_any(p: P, owner: P, objects: &[O]) -> bool {
    p == owner || objects.iter().any(|o| knows(p, *o))
}

// ---------------------------------------------------------------------------------------------
// Expected and observed outcomes

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exp {
    /// Reaches the route: 2xx, a redirect that is not to a login page, or a refusal of the
    /// content (400, 409) after the access check.
    Allow,
    /// 403 or 404.
    Deny,
    /// 401, or a redirect to a login page.
    Login,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Got {
    Ok,
    Redirect,
    /// 400, 409, 413: refused for what was sent.
    Content,
    Deny,
    Login,
    Broken,
}

impl Got {
    fn of(status: u16, location: &str) -> Got {
        let login = ["/login", "/admin/login", "/kiosk/login"]
            .iter()
            .any(|page| location == *page || location.starts_with(&format!("{page}?")));
        match status {
            401 => Got::Login,
            300..=399 if login => Got::Login,
            300..=399 => Got::Redirect,
            200..=299 => Got::Ok,
            403 | 404 => Got::Deny,
            400 | 409 | 413 => Got::Content,
            _ => Got::Broken,
        }
    }

    fn fits(self, expected: Exp) -> bool {
        match expected {
            Exp::Allow => matches!(self, Got::Ok | Got::Redirect | Got::Content),
            Exp::Deny => self == Got::Deny,
            Exp::Login => self == Got::Login,
        }
    }

    fn mark(self) -> char {
        match self {
            Got::Ok => '+',
            Got::Redirect => 'r',
            Got::Content => '~',
            Got::Deny => '-',
            Got::Login => 'L',
            Got::Broken => '!',
        }
    }
}

/// Anonymous callers must sign in; the rest by `ok` (API routes and `SignedIn` pages).
fn signed(p: P, ok: bool) -> Exp {
    if p == P::Anon {
        Exp::Login
    } else if ok {
        Exp::Allow
    } else {
        Exp::Deny
    }
}

/// Staff pages: everyone who is not staff is sent to the staff login; staff by `ok`.
fn staff_page(p: P, ok: bool) -> Exp {
    if !p.staff() {
        Exp::Login
    } else if ok {
        Exp::Allow
    } else {
        Exp::Deny
    }
}

/// Applicant pages: staff are refused.
fn applicant_page(p: P, ok: bool) -> Exp {
    if p == P::Anon {
        Exp::Login
    } else if p.staff() || !ok {
        Exp::Deny
    } else {
        Exp::Allow
    }
}

fn public(_: P, _: O) -> Exp {
    Exp::Allow
}

fn any_signed_in(p: P, _: O) -> Exp {
    signed(p, true)
}

fn api_staff(p: P, _: O) -> Exp {
    signed(p, p.staff())
}

fn api_province(p: P, _: O) -> Exp {
    signed(p, p == P::Admin)
}

fn page_staff(p: P, _: O) -> Exp {
    staff_page(p, true)
}

fn page_province(p: P, _: O) -> Exp {
    staff_page(p, p == P::Admin)
}

// ---------------------------------------------------------------------------------------------
// Fixtures

#[derive(Default)]
struct Fx {
    ids: HashMap<O, i64>,
    numbers: HashMap<O, String>,
    codes: HashMap<O, String>,
    /// An uploaded material of each case (to download), and a pending one of the draft.
    positions: HashMap<O, i64>,
    /// The file key of each case's uploaded material (unique content per case).
    case_files: HashMap<O, String>,
    /// A's upload that belongs to no case.
    loose_file: String,
    account_a: i64,
    /// Credit codes of the departments.
    departments: HashMap<Dept, String>,
    /// Local facts of the implementations, as they are.
    locals: HashMap<O, Value>,
    /// The item in the exchange format (for draft attempts).
    item: Value,
    search_log: i64,
    synonym: String,
    /// The local cashier's token of A's fee.
    cashier: String,
    account_b: i64,
}

impl Fx {
    fn id(&self, o: O) -> i64 {
        *self
            .ids
            .get(&o)
            .unwrap_or_else(|| panic!("fixture {o:?} has no id"))
    }

    fn number(&self, o: O) -> &str {
        self.numbers
            .get(&o)
            .unwrap_or_else(|| panic!("fixture {o:?} has no number"))
    }

    /// The value of a path parameter for an object.
    fn arg(&self, o: O, name: &str) -> String {
        match name {
            "id" => self.id(o).to_string(),
            "code" => match o {
                O::Item => ITEM.to_owned(),
                _ => self
                    .codes
                    .get(&o)
                    .unwrap_or_else(|| panic!("fixture {o:?} has no code"))
                    .clone(),
            },
            "position" => self
                .positions
                .get(&o)
                .unwrap_or_else(|| panic!("fixture {o:?} has no material"))
                .to_string(),
            "version" => "1".to_owned(),
            "order_no" => self.number(o).to_owned(),
            "token" => self.cashier.clone(),
            other => panic!("no value for {{{other}}} of {o:?}"),
        }
    }

    /// The value of a path parameter for an object like `o` that does not exist.
    fn ghost(&self, o: O, name: &str) -> String {
        match name {
            "id" => "999999".to_owned(),
            "code" => "KB-99999".to_owned(),
            "order_no" => "ZF2099010100000001".to_owned(),
            "token" => "no-such-checkout-token".to_owned(),
            _ => self.arg(o, name),
        }
    }

    /// Identifiers `p` must not see: (text, what it is). `audit_trail`: the answer is the audit
    /// trail, which names citizens by the username they sign in with, their ID number.
    fn secrets(&self, p: P, audit_trail: bool) -> Vec<(String, String)> {
        let mut secrets = Vec::new();
        for (o, number) in &self.numbers {
            if !knows(p, *o) {
                secrets.push((number.clone(), format!("number of {o:?}")));
            }
        }
        for (o, key) in &self.case_files {
            if !sees_case(p, *o) {
                secrets.push((key.clone(), format!("file key of {o:?}")));
            }
        }
        if p != P::A {
            secrets.push((self.loose_file.clone(), "A's upload".to_owned()));
        }
        secrets.push((
            SMS_CODE.to_owned(),
            "the one-time code of a text message".to_owned(),
        ));
        if p != P::A {
            secrets.push((
                self.cashier.clone(),
                "the cashier link of A's fee".to_owned(),
            ));
        }
        if !p.staff() {
            secrets.push((DRAFT_TITLE.to_owned(), "the knowledge draft".to_owned()));
            secrets.push((
                self.codes[&O::KnowDraft].clone(),
                "the knowledge draft's code".to_owned(),
            ));
        }
        let owners = [
            (
                P::A,
                CITIZEN_A,
                "4601**********1239",
                &[O::CaseA, O::DraftA, O::DoneA, O::HotA][..],
            ),
            (
                P::B,
                CITIZEN_B,
                "4601**********0022",
                &[O::CaseB, O::CaseRegion, O::HotB][..],
            ),
        ];
        for (owner, full, masked, objects) in owners {
            if p != owner && !(audit_trail && p.overseer()) {
                secrets.push((full.to_owned(), format!("{owner:?}'s ID number")));
            }
            if !knows_any(p, owner, objects) {
                secrets.push((masked.to_owned(), format!("{owner:?}'s masked ID number")));
            }
        }
        if !knows_any(p, P::Co, &[O::CaseDept, O::HotC]) {
            secrets.push((COMPANY.to_owned(), "the company's credit code".to_owned()));
        }
        secrets
    }
}

// ---------------------------------------------------------------------------------------------
// Clients

/// What a request carries.
#[derive(Debug, Clone)]
enum Payload {
    Empty,
    Json(Value),
    Form(Vec<(String, String)>),
    Bytes(Vec<u8>),
    /// A file upload form (`file` part).
    Upload(Vec<u8>),
}

/// An answer, read to the end.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    location: String,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// One principal's ways in: a bearer token for the API and a page session with its CSRF token.
#[derive(Clone)]
struct Caller {
    who: P,
    /// Without cookies (the API); stops at redirects.
    api: reqwest::Client,
    /// With the page session's cookies; stops at redirects.
    pages: reqwest::Client,
    token: Option<String>,
    csrf: String,
}

/// Each principal talks from its own loopback address, so the per-address login throttle
/// (a burst of 10) is not shared by 18 principals; setup and the matrix use different ones.
fn address(who: P, matrix: bool) -> IpAddr {
    let index = PRINCIPALS.iter().position(|p| *p == who).unwrap_or(0) as u8;
    IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        if matrix { 2 } else { 1 },
        10 + index,
    ))
}

fn client(jar: Option<Arc<Jar>>, from: IpAddr) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(from);
    if let Some(jar) = jar {
        builder = builder.cookie_provider(jar);
    }
    builder.build().expect("an HTTP client")
}

async fn read(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let location = header(reqwest::header::LOCATION);
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    Answer {
        status,
        headers,
        location,
        content_type,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn csrf_field(html: &str) -> Option<String> {
    Regex::new(r#"name="csrf" value="([^"]+)""#)
        .expect("pattern")
        .captures(html)
        .map(|c| c[1].to_owned())
}

impl Caller {
    /// Signs in through `POST /api/v1/auth/token` and the login form of the pages.
    async fn sign_in(site: &TestSite, who: P) -> Caller {
        let jar = Arc::new(Jar::default());
        let setup = client(Some(jar.clone()), address(who, false));
        let preferences = read(
            setup
                .get(site.url("/preferences"))
                .send()
                .await
                .expect("GET /preferences"),
        )
        .await;
        let mut csrf = csrf_field(&preferences.text).expect("a csrf field");
        let mut token = None;
        if let Some(username) = who.username() {
            let answer = read(
                setup
                    .post(site.url("/api/v1/auth/token"))
                    .json(&json!({"username": username, "password": DEMO_PASSWORD}))
                    .send()
                    .await
                    .expect("POST /api/v1/auth/token"),
            )
            .await;
            assert_eq!(
                answer.status, 200,
                "{username} gets a token: {}",
                answer.text
            );
            token = answer.json()["access_token"].as_str().map(str::to_owned);
            let login = if who.staff() {
                "/admin/login"
            } else {
                "/login"
            };
            let answer = read(
                setup
                    .post(site.url(login))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("username", username),
                        ("password", DEMO_PASSWORD),
                        ("next", "/preferences"),
                    ])
                    .send()
                    .await
                    .expect("POST login"),
            )
            .await;
            assert_eq!(
                answer.status, 303,
                "{username} signs in at {login}: {}",
                answer.text
            );
            let again = read(
                setup
                    .get(site.url("/preferences"))
                    .send()
                    .await
                    .expect("GET /preferences"),
            )
            .await;
            csrf = csrf_field(&again.text).expect("a csrf field");
        }
        Caller {
            who,
            api: client(None, address(who, true)),
            pages: client(Some(jar), address(who, true)),
            token,
            csrf,
        }
    }

    async fn send(
        &self,
        site: &TestSite,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        payload: &Payload,
    ) -> Answer {
        self.send_to(&site.base, method, path, headers, payload)
            .await
    }

    async fn send_to(
        &self,
        base: &str,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        payload: &Payload,
    ) -> Answer {
        let is_api = path.starts_with("/api/");
        let client = if is_api { &self.api } else { &self.pages };
        let mut request = client.request(method.clone(), format!("{base}{path}"));
        if is_api {
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
        } else if method != Method::GET {
            request = request.header("x-csrf-token", &self.csrf);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request = match payload {
            // A page form without fields still carries its CSRF token.
            Payload::Empty if !is_api && method != Method::GET => {
                request.form(&[("csrf", self.csrf.as_str())])
            }
            Payload::Empty => request,
            Payload::Json(value) => request.json(value),
            Payload::Form(fields) => {
                let mut fields = fields.clone();
                if !is_api {
                    fields.push(("csrf".to_owned(), self.csrf.clone()));
                }
                request.form(&fields)
            }
            Payload::Bytes(bytes) => request
                .header("content-type", "application/pdf")
                .body(bytes.clone()),
            Payload::Upload(bytes) => {
                let part = reqwest::multipart::Part::bytes(bytes.clone())
                    .file_name("材料.pdf")
                    .mime_str("application/pdf")
                    .expect("a mime type");
                request.multipart(reqwest::multipart::Form::new().part("file", part))
            }
        };
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        read(response).await
    }

    async fn get(&self, site: &TestSite, path: &str) -> Answer {
        self.send(site, Method::GET, path, &[], &Payload::Empty)
            .await
    }

    /// An API call that must succeed; its JSON.
    async fn ok(&self, site: &TestSite, method: Method, path: &str, body: Value) -> Value {
        let payload = if body.is_null() {
            Payload::Empty
        } else {
            Payload::Json(body)
        };
        let answer = self.send(site, method.clone(), path, &[], &payload).await;
        assert!(
            (200..300).contains(&answer.status),
            "{:?}: {method} {path} → {}: {}",
            self.who,
            answer.status,
            answer.text
        );
        answer.json()
    }
}

/// A PDF that is unique to `tag` (files are stored by their SM3 digest).
fn pdf(tag: &str) -> Vec<u8> {
    format!(
        "%PDF-1.7\n% {tag}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

struct World<'a> {
    site: &'a TestSite,
    callers: BTreeMap<P, Caller>,
    fx: Fx,
}

impl World<'_> {
    fn caller(&self, who: P) -> &Caller {
        &self.callers[&who]
    }
}

/// Uploads one file per required material and files a case; returns (id, number, key, position).
async fn file_case(
    site: &TestSite,
    applicant: &Caller,
    item: &str,
    region: &str,
    tag: &str,
    mut form: Value,
) -> (i64, String, String, i64) {
    let detail = applicant
        .ok(
            site,
            Method::GET,
            &format!("/api/v1/items/{item}"),
            Value::Null,
        )
        .await;
    let exempt: Vec<&str> = detail["exempt_materials"]
        .as_array()
        .map(|list| list.iter().filter_map(|m| m["name"].as_str()).collect())
        .unwrap_or_default();
    let mut materials = Vec::new();
    let mut first_key = String::new();
    for (index, material) in detail["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .filter(|m| m["required"] == true)
        .filter_map(|m| m["name"].as_str())
        .filter(|name| !exempt.contains(name))
        .enumerate()
    {
        let stored = applicant
            .send(
                site,
                Method::POST,
                "/api/v1/files",
                &[],
                &Payload::Bytes(pdf(&format!("{tag}-{index}"))),
            )
            .await;
        assert_eq!(stored.status, 201, "{}", stored.text);
        let key = stored.json()["key"].as_str().expect("a key").to_owned();
        if first_key.is_empty() {
            first_key = key.clone();
        }
        materials.push(json!({"material": material, "file": key, "file_name": "材料.pdf"}));
    }
    assert!(!materials.is_empty(), "{item} asks for uploads");
    form["description"] = json!(format!("授权测试 {tag}"));
    let filed = applicant
        .send(
            site,
            Method::POST,
            "/api/v1/cases",
            &[("Idempotency-Key", &format!("authz-{tag}-0001"))],
            &Payload::Json(json!({
                "item_code": item,
                "region": region,
                "form": form,
                "materials": materials,
            })),
        )
        .await;
    assert_eq!(filed.status, 201, "{tag}: {}", filed.text);
    let filed = filed.json();
    let id = filed["id"].as_i64().expect("an id");
    let case = applicant
        .ok(
            site,
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Value::Null,
        )
        .await;
    let position = case["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .find(|m| m["file_key"] == first_key.as_str())
        .and_then(|m| m["position"].as_i64())
        .expect("the uploaded material");
    (
        id,
        filed["number"].as_str().expect("a number").to_owned(),
        first_key,
        position,
    )
}

async fn build_world(site: &TestSite) -> World<'_> {
    // A Monday morning in China, so that no read-back straddles midnight (deadlines and days
    // left change then).
    let monday = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00")
        .expect("a date")
        .with_timezone(&chrono::Utc);
    site.app.clock.advance(monday - site.app.clock.now());
    let mut callers = BTreeMap::new();
    for who in PRINCIPALS {
        callers.insert(who, Caller::sign_in(site, who).await);
    }
    let mut fx = Fx::default();
    fixtures(site, &callers, &mut fx).await;
    World { site, callers, fx }
}

async fn fixtures(site: &TestSite, callers: &BTreeMap<P, Caller>, fx: &mut Fx) {
    let (a, b, co) = (&callers[&P::A], &callers[&P::B], &callers[&P::Co]);
    let admin = &callers[&P::Admin];

    fx.account_a = a
        .ok(site, Method::GET, "/api/v1/accounts/me", Value::Null)
        .await["id"]
        .as_i64()
        .expect("A's account id");
    let loose = a
        .send(
            site,
            Method::POST,
            "/api/v1/files",
            &[],
            &Payload::Bytes(pdf("a-loose")),
        )
        .await;
    assert_eq!(loose.status, 201, "{}", loose.text);
    fx.loose_file = loose.json()["key"].as_str().expect("a key").to_owned();

    for (o, who, item, region, tag) in [
        (O::CaseA, a, ITEM, LONGHUA, "case-a"),
        (O::CaseB, b, ITEM, LONGHUA, "case-b"),
        (O::CaseDept, co, MARKET_ITEM, LONGHUA, "case-dept"),
        (O::CaseRegion, b, ITEM, XIUYING, "case-region"),
        (O::DoneA, a, ITEM, LONGHUA, "done-a"),
    ] {
        // The market item's shared form (一件事) asks about the company.
        let form = if item == MARKET_ITEM {
            json!({"credit_code": COMPANY, "company_name": "海南椰风餐饮有限公司",
                   "legal_rep_name": "陈海", "legal_rep_id_number": "460106197503031230",
                   "repair_reason": "已补报年度报告"})
        } else {
            json!({})
        };
        let (id, number, key, position) = file_case(site, who, item, region, tag, form).await;
        fx.ids.insert(o, id);
        fx.numbers.insert(o, number);
        fx.case_files.insert(o, key);
        fx.positions.insert(o, position);
    }
    // Where the cases went.
    for (o, department, region) in [
        (O::CaseA, "公安", LONGHUA),
        (O::CaseDept, "市场监督", LONGHUA),
        (O::CaseRegion, "公安", XIUYING),
    ] {
        let case = admin
            .ok(
                site,
                Method::GET,
                &format!("/api/v1/cases/{}", fx.id(o)),
                Value::Null,
            )
            .await;
        assert!(
            case["handling_department"]
                .as_str()
                .is_some_and(|d| d.contains(department))
                && case["handling_region_code"] == region,
            "{o:?} is handled by {department} in {region}: {case}"
        );
    }
    let draft = a
        .ok(
            site,
            Method::POST,
            "/api/v1/cases/drafts",
            json!({"item_code": ITEM, "region": LONGHUA}),
        )
        .await;
    fx.ids
        .insert(O::DraftA, draft["id"].as_i64().expect("a draft id"));
    fx.numbers.insert(
        O::DraftA,
        draft["number"].as_str().expect("a number").to_owned(),
    );
    let pending = draft["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .find(|m| m["status"] == "pending")
        .and_then(|m| m["position"].as_i64())
        .expect("a pending material");
    fx.positions.insert(O::DraftA, pending);

    // DoneA goes all the way and gets a bad rating, which opens a rectification.
    let done = fx.id(O::DoneA);
    for (who, action) in [
        (P::LhClerk, "accept"),
        (P::LhReviewer, "review"),
        (P::LhApprover, "approve"),
        (P::LhClerk, "complete"),
        (P::LhClerk, "deliver"),
    ] {
        callers[&who]
            .ok(
                site,
                Method::POST,
                &format!("/api/v1/cases/{done}/actions"),
                json!({"action": action, "comment": "授权测试"}),
            )
            .await;
    }
    let rated = a
        .ok(
            site,
            Method::POST,
            &format!("/api/v1/cases/{done}/evaluation"),
            json!({"level": 5, "comment": "等了很久"}),
        )
        .await;
    let tasks = callers[&P::LhClerk]
        .ok(site, Method::GET, "/api/v1/rectifications", Value::Null)
        .await;
    let rect = tasks["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["case_number"] == fx.number(O::DoneA))
        .and_then(|t| t["id"].as_i64())
        .unwrap_or_else(|| panic!("a rectification after {rated}: {tasks}"));
    fx.ids.insert(O::Rect, rect);

    // 12345 orders, dispatched to the department they concern.
    let dispatcher = &callers[&P::HlDispatcher];
    for (o, who, region, tag) in [
        (O::HotA, a, LONGHUA, "hot-a"),
        (O::HotB, b, XIUYING, "hot-b"),
        (O::HotC, co, LONGHUA, "hot-c"),
    ] {
        let order = who
            .ok(
                site,
                Method::POST,
                "/api/v1/hotline/orders",
                json!({"kind": "consultation", "title": format!("授权测试 {tag}"),
                       "content": "户口迁移需要准备哪些材料？", "region": region}),
            )
            .await;
        let id = order["id"].as_i64().expect("an order id");
        fx.ids.insert(o, id);
        fx.numbers
            .insert(o, order["number"].as_str().expect("a number").to_owned());
        if fx.departments.is_empty() {
            let options = dispatcher
                .ok(
                    site,
                    Method::GET,
                    &format!("/api/v1/hotline/orders/{id}/departments"),
                    Value::Null,
                )
                .await;
            let options = options.as_array().expect("departments").clone();
            let mut find = |dept, region: &str, kind: &str| {
                let code = options
                    .iter()
                    .find(|d| {
                        d["region_code"] == region
                            && d["name"].as_str().is_some_and(|n| n.contains(kind))
                    })
                    .and_then(|d| d["credit_code"].as_str())
                    .unwrap_or_else(|| panic!("a {kind} department in {region}: {options:?}"))
                    .to_owned();
                fx.departments.insert(dept, code);
            };
            find(Dept::LhPolice, LONGHUA, "公安");
            find(Dept::LhMarket, LONGHUA, "市场监督");
        }
        if o == O::HotB {
            let options = dispatcher
                .ok(
                    site,
                    Method::GET,
                    &format!("/api/v1/hotline/orders/{id}/departments"),
                    Value::Null,
                )
                .await;
            let code = options
                .as_array()
                .expect("departments")
                .iter()
                .find(|d| {
                    d["region_code"] == XIUYING
                        && d["name"].as_str().is_some_and(|n| n.contains("公安"))
                })
                .and_then(|d| d["credit_code"].as_str())
                .expect("秀英区公安")
                .to_owned();
            fx.departments.insert(Dept::XyPolice, code);
        }
        let lead = match o {
            O::HotA => Dept::LhPolice,
            O::HotB => Dept::XyPolice,
            _ => Dept::LhMarket,
        };
        dispatcher
            .ok(
                site,
                Method::POST,
                &format!("/api/v1/hotline/orders/{id}/dispatch"),
                json!({"department": fx.departments[&lead], "note": "请按职责办理"}),
            )
            .await;
    }

    // 未办成事 at the 龙华区 window and in 秀英区.
    for (o, who, owner, phone) in [
        (O::UnrLh, P::LhWindow, "lh_clerk", "13700137001"),
        (O::UnrXy, P::XyClerk, "xy_clerk", "13700137002"),
    ] {
        let record = callers[&who]
            .ok(
                site,
                Method::POST,
                "/api/v1/unresolved",
                json!({"person_name": "钱女士", "person_phone": phone, "item_code": ITEM,
                       "request": "想当天拿到迁移证明", "reasons": ["system_failure"],
                       "owner": owner, "working_days": 5}),
            )
            .await;
        fx.ids.insert(o, record["id"].as_i64().expect("an id"));
        fx.numbers
            .insert(o, record["number"].as_str().expect("a number").to_owned());
    }

    // Knowledge: one published article, one draft nobody outside the staff may see.
    for (o, title, publish) in [
        (O::KnowPub, "授权矩阵已发布的文章", true),
        (O::KnowDraft, DRAFT_TITLE, false),
    ] {
        let created = admin
            .ok(
                site,
                Method::POST,
                "/api/v1/admin/knowledge",
                json!({"kind": "article", "category": "guide", "title": title,
                       "body": "迁移户口前请先确认迁入地的落户条件。", "item_codes": [ITEM]}),
            )
            .await;
        let code = created["code"]
            .as_str()
            .unwrap_or_else(|| panic!("a knowledge code: {created}"))
            .to_owned();
        if publish {
            admin
                .ok(
                    site,
                    Method::POST,
                    &format!("/api/v1/admin/knowledge/{code}/publish"),
                    json!({"note": "首次发布"}),
                )
                .await;
        }
        fx.codes.insert(o, code);
    }

    // A's consent for B, for another item.
    let consent = a
        .ok(
            site,
            Method::POST,
            "/api/v1/accounts/me/consents",
            json!({"agent": CITIZEN_B, "scope": "HN-GG-00001", "evidence": "授权委托书 2026-009", "days": 30}),
        )
        .await;
    fx.ids
        .insert(O::ConsentA, consent["id"].as_i64().expect("a consent id"));

    // Fees, in-site messages and a text message with a code, as the case code makes them.
    fx.account_b = b
        .ok(site, Method::GET, "/api/v1/accounts/me", Value::Null)
        .await["id"]
        .as_i64()
        .expect("B's account id");
    let mut tx = site.app.db.begin().await.expect("a transaction");
    for (o, case) in [(O::PayA, O::CaseA), (O::PayB, O::CaseRegion)] {
        let order = site
            .app
            .create_payment_order(&mut tx, fx.id(case), 2000, "证件工本费")
            .await
            .expect("a fee");
        fx.ids.insert(o, order.id);
        fx.numbers.insert(o, order.order_no);
    }
    for (o, account, case) in [
        (O::MsgA, fx.account_a, O::CaseA),
        (O::MsgB, fx.account_b, O::CaseB),
    ] {
        let id = site
            .app
            .post_message(
                &mut tx,
                account,
                "办件已受理",
                "您的申请已提交，请留意办理进度。",
                Some(fx.id(case)),
            )
            .await
            .expect("a message");
        fx.ids.insert(o, id);
    }
    let sms = site
        .app
        .queue_sms_with(
            &mut tx,
            zerotrip_app::notify::sms::SmsRequest {
                phone: PHONE_A.to_owned(),
                text: format!("您查询办件进度的验证码为 {SMS_CODE}，5 分钟内有效。"),
                purpose: "otp.progress".to_owned(),
                case_id: Some(fx.id(O::CaseA)),
                account_id: Some(fx.account_a),
                ..Default::default()
            },
        )
        .await
        .expect("a text message");
    fx.ids.insert(O::SmsA, sms);
    tx.commit().await.expect("the fixtures commit");
    let started = a
        .ok(
            site,
            Method::POST,
            &format!("/api/v1/payments/{}/pay", fx.number(O::PayA)),
            Value::Null,
        )
        .await;
    fx.cashier = started["pay_url"]
        .as_str()
        .and_then(|url| url.rsplit('/').next())
        .unwrap_or_else(|| panic!("a cashier link: {started}"))
        .to_owned();

    // A search with A's ID number in it (the log masks it).
    let searched = a
        .get(
            site,
            &format!(
                "/api/v1/search?q={}",
                urlencoding::encode(&format!("{CITIZEN_A} 户口迁移"))
            ),
        )
        .await;
    fx.search_log = searched
        .headers
        .get("x-search-log-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a search log id: {:?}", searched.headers));

    // The item and its implementations at 龙华区公安 and 秀英区公安.
    let implementations = admin
        .ok(
            site,
            Method::GET,
            &format!("/api/v1/items/{ITEM}/implementations"),
            Value::Null,
        )
        .await;
    let list = implementations
        .as_array()
        .or_else(|| implementations["implementations"].as_array())
        .unwrap_or_else(|| panic!("implementations: {implementations}"))
        .clone();
    for (o, region) in [(O::ImplLh, LONGHUA), (O::ImplXy, XIUYING)] {
        let found = list
            .iter()
            .find(|i| i["region_code"] == region)
            .unwrap_or_else(|| panic!("an implementation in {region}: {list:?}"));
        fx.codes.insert(
            o,
            found["code"]
                .as_str()
                .expect("an implementation code")
                .to_owned(),
        );
        fx.locals.insert(o, found["local"].clone());
    }
    let editable = admin
        .ok(
            site,
            Method::GET,
            &format!("/api/v1/admin/items/{ITEM}"),
            Value::Null,
        )
        .await;
    fx.item = editable
        .get("draft")
        .filter(|d| d.is_object())
        .or_else(|| editable.get("published"))
        .or_else(|| editable.get("item"))
        .cloned()
        .unwrap_or_else(|| panic!("the item in the exchange format: {editable}"));
    let synonyms = admin
        .ok(
            site,
            Method::GET,
            "/api/v1/admin/search/synonyms",
            Value::Null,
        )
        .await;
    fx.synonym = synonyms["rules"]
        .as_array()
        .and_then(|rules| rules.first())
        .and_then(|rule| rule["term"].as_str())
        .or_else(|| {
            synonyms["shipped"]
                .as_array()
                .and_then(|rules| rules.first())
                .and_then(|rule| rule["term"].as_str())
        })
        .unwrap_or("办身份证")
        .to_owned();
}

// ---------------------------------------------------------------------------------------------
// The table

type Rule = fn(P, O) -> Exp;
type Maker = fn(&Fx, P, O) -> Payload;
/// Whether a principal may be shown something.
type Shown = fn(P) -> bool;

fn empty(_: &Fx, _: P, _: O) -> Payload {
    Payload::Empty
}

fn form(fields: &[(&str, &str)]) -> Payload {
    Payload::Form(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

struct Route {
    method: Method,
    /// As the router spells it.
    path: &'static str,
    /// Fixed values of path parameters, e.g. the 12345 action.
    fill: Vec<(&'static str, &'static str)>,
    query: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    objects: Vec<O>,
    expect: Rule,
    /// What a principal who must be refused sends (a request that would work if allowed).
    attack: Maker,
    /// What an allowed principal sends on a state-changing route (refused for its content).
    harmless: Option<Maker>,
    /// Run after everything else: 1 for marking all messages read, 2 for signing out.
    last: u8,
    /// Not searched for identifiers: documentation (the OpenAPI document's examples show a
    /// masked ID number), and the cashier, which shows the order to whoever holds its link.
    unscoped: bool,
    /// The audit trail (see [`Fx::secrets`]).
    audit_trail: bool,
    /// `{id}` is the object's number (cases are found by either).
    by_number: bool,
    /// Text that only principals for whom the function holds may be shown.
    hidden: Option<(Shown, &'static str)>,
}

impl Route {
    fn new(method: Method, path: &'static str) -> Route {
        let reads = method == Method::GET;
        Route {
            method,
            path,
            fill: Vec::new(),
            query: "",
            headers: Vec::new(),
            objects: vec![O::Nil],
            expect: public,
            attack: empty,
            harmless: reads.then_some(empty as Maker),
            last: 0,
            unscoped: false,
            audit_trail: false,
            by_number: false,
            hidden: None,
        }
    }

    fn on(mut self, objects: &[O]) -> Route {
        self.objects = objects.to_vec();
        self
    }

    fn expect(mut self, rule: Rule) -> Route {
        self.expect = rule;
        self
    }

    fn query(mut self, query: &'static str) -> Route {
        self.query = query;
        self
    }

    fn fill(mut self, name: &'static str, value: &'static str) -> Route {
        self.fill.push((name, value));
        self
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Route {
        self.headers.push((name, value));
        self
    }

    /// The same request for everyone (it is refused for its content or changes nothing).
    fn send(mut self, maker: Maker) -> Route {
        self.attack = maker;
        self.harmless = Some(maker);
        self
    }

    fn attack(mut self, maker: Maker) -> Route {
        self.attack = maker;
        self
    }

    fn harmless(mut self, maker: Maker) -> Route {
        self.harmless = Some(maker);
        self
    }

    /// Run after the others (and leave no snapshot behind: what it changes is the caller's own).
    fn last(mut self) -> Route {
        self.last = 1;
        self
    }

    /// Run at the very end: it ends the caller's session.
    fn signs_out(mut self) -> Route {
        self.last = 2;
        self
    }

    fn by_number(mut self) -> Route {
        self.by_number = true;
        self
    }

    fn hidden(mut self, shown_to: Shown, text: &'static str) -> Route {
        self.hidden = Some((shown_to, text));
        self
    }

    fn audit_trail(mut self) -> Route {
        self.audit_trail = true;
        self
    }

    fn unscoped(mut self) -> Route {
        self.unscoped = true;
        self
    }

    fn label(&self) -> String {
        let mut label = format!("{} {}", self.method, self.path);
        for (name, value) in &self.fill {
            label = label.replace(&format!("{{{name}}}"), value);
        }
        if !self.query.is_empty() {
            label.push('?');
            label.push_str(self.query);
        }
        label
    }

    fn url(&self, fx: &Fx, o: O) -> String {
        self.url_with(o, |o, name| match name {
            "id" if self.by_number => fx.number(o).to_owned(),
            _ => fx.arg(o, name),
        })
    }

    /// The same request about an object that does not exist.
    fn ghost_url(&self, fx: &Fx, o: O) -> String {
        self.url_with(o, |o, name| match name {
            "id" if self.by_number => "HN20990101000001".to_owned(),
            _ => fx.ghost(o, name),
        })
    }

    fn url_with(&self, o: O, arg: impl Fn(O, &str) -> String) -> String {
        let mut path = self.path.to_owned();
        for (name, value) in &self.fill {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        let names: Vec<String> = pattern(r"\{([a-z_]+)\}")
            .captures_iter(&path)
            .map(|c| c[1].to_owned())
            .collect();
        for name in names {
            path = path.replace(&format!("{{{name}}}"), &arg(o, &name));
        }
        if !self.query.is_empty() {
            path.push(if path.contains('?') { '&' } else { '?' });
            path.push_str(self.query);
        }
        path
    }
}

fn get(path: &'static str) -> Route {
    Route::new(Method::GET, path)
}

fn post(path: &'static str) -> Route {
    Route::new(Method::POST, path)
}

fn put(path: &'static str) -> Route {
    Route::new(Method::PUT, path)
}

fn delete(path: &'static str) -> Route {
    Route::new(Method::DELETE, path)
}

fn json_of(value: Value) -> Payload {
    Payload::Json(value)
}

/// A complete application for A, filed by whoever sends it (staff file it at the window).
fn application_for_a(fx: &Fx, p: P) -> Value {
    let mut body = json!({
        "item_code": ITEM,
        "region": LONGHUA,
        "form": {"description": "代为申请"},
        "materials": [],
    });
    if p != P::A {
        body["applicant_account_id"] = json!(fx.account_a);
    }
    body
}

/// A draft for A, started by whoever sends it.
fn draft_for_a(fx: &Fx, p: P, region: &str) -> Value {
    let mut body = json!({"item_code": ITEM, "region": region});
    if p != P::A {
        body["applicant_account_id"] = json!(fx.account_a);
    }
    body
}

/// A signature that is not one.
const FORGED: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The 12345 actions over the API and on the workbench (one entry each, same template).
const ORDER_ACTIONS: [&str; 9] = [
    "dispatch",
    "redispatch",
    "return",
    "merge",
    "reply",
    "opinion",
    "rework",
    "close",
    "callback",
];

fn order_rule(action: &'static str) -> Rule {
    match action {
        "dispatch" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "dispatch")),
        "redispatch" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "redispatch")),
        "return" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "return")),
        "merge" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "merge")),
        "reply" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "reply")),
        "opinion" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "opinion")),
        "rework" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "rework")),
        "close" => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "close")),
        _ => |p, o| signed(p, sees_order(p, o) && order_action(p, o, "callback")),
    }
}

fn order_page_rule(action: &'static str) -> Rule {
    match action {
        "dispatch" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "dispatch")),
        "redispatch" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "redispatch")),
        "return" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "return")),
        "merge" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "merge")),
        "reply" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "reply")),
        "opinion" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "opinion")),
        "rework" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "rework")),
        "close" => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "close")),
        _ => |p, o| staff_page(p, sees_order(p, o) && order_action(p, o, "callback")),
    }
}

/// What an attacker sends for a 12345 action (what would work in the right state).
fn order_attack(action: &'static str) -> Maker {
    match action {
        "dispatch" | "redispatch" => |fx, _, _| {
            json_of(json!({"department": fx.departments[&Dept::LhMarket], "note": "越权改派"}))
        },
        "return" | "rework" => |_, _, _| json_of(json!({"reason": "越权退回"})),
        "merge" => |fx, _, o| {
            let into = if o == O::HotA { O::HotC } else { O::HotA };
            json_of(json!({"into": fx.number(into), "note": "越权并单"}))
        },
        "reply" => |_, _, _| json_of(json!({"reply": "越权答复"})),
        "opinion" => |_, _, _| json_of(json!({"note": "越权意见"})),
        "close" => |_, _, _| json_of(json!({"note": "越权办结"})),
        _ => |_, _, _| json_of(json!({"satisfaction": "satisfied", "note": "越权回访"})),
    }
}

/// The same as a page form.
fn order_form_attack(action: &'static str) -> Maker {
    match action {
        "dispatch" | "redispatch" => |fx, _, _| {
            Payload::Form(vec![
                ("department".into(), fx.departments[&Dept::LhMarket].clone()),
                ("note".into(), "越权改派".into()),
            ])
        },
        "return" | "rework" => |_, _, _| form(&[("reason", "越权退回")]),
        "merge" => |fx, _, o| {
            let into = if o == O::HotA { O::HotC } else { O::HotA };
            Payload::Form(vec![
                ("into".into(), fx.number(into).to_owned()),
                ("note".into(), "越权并单".into()),
            ])
        },
        "reply" => |_, _, _| form(&[("reply", "越权答复")]),
        "opinion" => |_, _, _| form(&[("note", "越权意见")]),
        "close" => |_, _, _| form(&[("note", "越权办结")]),
        _ => |_, _, _| form(&[("satisfaction", "satisfied"), ("note", "越权回访")]),
    }
}

/// Harmless for the allowed: the orders are all 已派单, so only 改派, 并单, 退单 and 答复 would
/// go through; those are sent without their required text.
fn order_harmless(action: &'static str, page: bool) -> Maker {
    match (action, page) {
        ("redispatch", false) => |_, _, _| json_of(json!({"department": ""})),
        ("merge", false) => |_, _, _| json_of(json!({"into": ""})),
        ("merge", true) => |_, _, _| form(&[("into", "")]),
        ("return", false) => |_, _, _| json_of(json!({"reason": ""})),
        ("reply", false) => |_, _, _| json_of(json!({"reply": ""})),
        ("redispatch", true) => |_, _, _| form(&[("department", "")]),
        ("return", true) => |_, _, _| form(&[("reason", "")]),
        ("reply", true) => |_, _, _| form(&[("reply", "")]),
        (_, false) => order_attack(action),
        (_, true) => order_form_attack(action),
    }
}

fn api_routes() -> Vec<Route> {
    let mut routes = vec![
        get("/api/openapi.json").unscoped(),
        get("/api/v1/items").query("q=户口"),
        get("/api/v1/items/{code}").on(&[O::Item]),
        get("/api/v1/items/{code}/guide")
            .on(&[O::Item])
            .query("region=460106"),
        get("/api/v1/items/{code}/versions").on(&[O::Item]),
        get("/api/v1/items/{code}/versions/{version}").on(&[O::Item]),
        get("/api/v1/items/{code}/implementations").on(&[O::Item]),
        get("/api/v1/bundles"),
        get("/api/v1/reductions"),
        get("/api/v1/zero-trip").query("region=460106"),
        get("/api/v1/zero-trip/publications"),
        get("/api/v1/regions"),
        get("/api/v1/regions/{code}").fill("code", LONGHUA),
        get("/api/v1/calendar/add-working-days").query("from=2026-01-05&days=3"),
        get("/api/v1/calendar/working-days-between").query("from=2026-01-05&to=2026-01-09"),
        get("/api/v1/calendar/days/{date}").fill("date", "2026-01-05"),
        // Public, and refused for its (empty) content before anything is counted.
        post("/api/v1/auth/token").send(|_, _, _| json_of(json!({}))),
        // Catalogue administration.
        get("/api/v1/admin/items/{code}")
            .on(&[O::Item])
            .expect(|p, _| signed(p, catalogue_admin(p))),
        put("/api/v1/admin/items/{code}/draft")
            .on(&[O::Item])
            .expect(api_province)
            .attack(|fx, _, _| {
                let mut item = fx.item.clone();
                item["name"] = json!("越权修改的事项名称");
                json_of(item)
            }),
        delete("/api/v1/admin/items/{code}/draft")
            .on(&[O::Item])
            .expect(api_province),
        post("/api/v1/admin/items/{code}/publish")
            .on(&[O::Item])
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({"note": "越权发布"}))),
        put("/api/v1/admin/implementations/{code}")
            .on(&IMPLEMENTATIONS)
            .expect(|p, o| signed(p, edits_implementation(p, o)))
            .attack(|fx, _, o| {
                let mut local = fx.locals[&o].clone();
                local["hours"] = json!("越权修改的办公时间");
                json_of(json!({"local": local}))
            })
            .harmless(|_, _, _| json_of(json!({"local": 42}))),
        get("/api/v1/admin/catalog/check")
            .expect(|p, _| signed(p, catalogue_admin(p) || p == P::Auditor)),
        post("/api/v1/admin/catalog/import")
            .expect(api_province)
            .attack(|fx, _, _| {
                let mut item = fx.item.clone();
                item["name"] = json!("越权导入的事项名称");
                json_of(json!({"format": "json", "content": json!([item]).to_string(), "publish": true}))
            })
            .harmless(|_, _, _| json_of(json!({"format": "xml", "content": ""}))),
        post("/api/v1/admin/zero-trip/publish")
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({"note": "越权发布"}))),
        get("/api/v1/admin/audit")
            .expect(|p, _| signed(p, p.overseer()))
            .audit_trail(),
        // Cases.
        get("/api/v1/cases")
            .query("mine=true&per_page=100")
            .expect(|p, _| signed(p, p.applicant())),
        get("/api/v1/cases")
            .query("inbox=true&all=true&per_page=100")
            .expect(|p, _| signed(p, p.staff() && p != P::LhDeptAdmin)),
        get("/api/v1/cases")
            .query("per_page=100")
            .expect(|p, _| signed(p, p != P::LhDeptAdmin)),
        // Filing for A: A themself, and window clerks for a walk-in; nobody else.
        post("/api/v1/cases")
            .header("Idempotency-Key", "authz-attack-0001")
            .expect(|p, _| signed(p, p == P::A || p.has(Role::WindowClerk)))
            .attack(|fx, p, _| json_of(application_for_a(fx, p)))
            .harmless(|fx, p, _| {
                let mut body = application_for_a(fx, p);
                body["region"] = json!("469999");
                json_of(body)
            }),
        post("/api/v1/cases/drafts")
            .expect(|p, _| signed(p, p == P::A || p.has(Role::WindowClerk)))
            .attack(|fx, p, _| json_of(draft_for_a(fx, p, LONGHUA)))
            .harmless(|fx, p, _| json_of(draft_for_a(fx, p, "469999"))),
        get("/api/v1/cases/{id}")
            .on(&CASES)
            .expect(|p, o| signed(p, sees_case(p, o))),
        get("/api/v1/cases/{id}")
            .on(&CASES)
            .by_number()
            .expect(|p, o| signed(p, sees_case(p, o))),
        post("/api/v1/cases/{id}/actions")
            .on(&FOUR)
            .expect(|p, o| signed(p, acts_on_case(p, o)))
            .attack(|_, p, _| {
                if p.staff() {
                    json_of(json!({"action": "accept"}))
                } else {
                    json_of(json!({"action": "withdraw", "comment": "越权撤回"}))
                }
            })
            // Nobody can approve a case that waits for 受理.
            .harmless(|_, _, _| json_of(json!({"action": "approve"}))),
        put("/api/v1/cases/{id}/form")
            .on(&[O::DraftA, O::CaseB, O::CaseDept, O::CaseRegion])
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .attack(|_, _, _| json_of(json!({"description": "越权修改"})))
            .harmless(|_, _, _| json_of(json!({"contact_phone": "123"}))),
        // The draft lacks its materials: submitting it is refused for that.
        post("/api/v1/cases/{id}/submit")
            .on(&[O::DraftA, O::CaseA, O::CaseB, O::CaseRegion])
            .header("Idempotency-Key", "authz-submit-0001")
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .send(empty),
        put("/api/v1/cases/{id}/materials/{position}")
            .on(&[O::DraftA, O::CaseB, O::CaseDept, O::CaseRegion])
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .attack(|_, _, _| Payload::Bytes(pdf("attack")))
            .harmless(|_, _, _| Payload::Bytes(b"MZ not a document".to_vec())),
        get("/api/v1/cases/{id}/materials/{position}/file")
            .on(&[O::CaseA, O::CaseB, O::CaseDept, O::CaseRegion, O::DoneA])
            .expect(|p, o| signed(p, sees_case(p, o))),
        // Anyone signed in may store a file; it belongs to nothing until attached.
        post("/api/v1/files")
            .expect(any_signed_in)
            .send(|_, _, _| Payload::Bytes(pdf("probe"))),
        // Accounts.
        post("/api/v1/accounts/persons").send(|_, _, _| json_of(json!({}))),
        post("/api/v1/accounts/companies").send(|_, _, _| json_of(json!({}))),
        get("/api/v1/accounts/me").expect(any_signed_in),
        get("/api/v1/accounts/me/consents").expect(any_signed_in),
        // Only persons give consents.
        post("/api/v1/accounts/me/consents")
            .expect(|p, _| signed(p, matches!(p, P::A | P::B)))
            .attack(|_, _, _| {
                json_of(json!({"agent": CITIZEN_B, "scope": ITEM, "evidence": "越权委托", "days": 30}))
            })
            .harmless(|_, _, _| {
                json_of(json!({"agent": "nobody", "scope": ITEM, "evidence": "x", "days": 30}))
            }),
        delete("/api/v1/accounts/me/consents/{id}")
            .on(&[O::ConsentA])
            .expect(|p, _| signed(p, p == P::A)),
        // 好差评.
        get("/api/v1/cases/{id}/evaluation")
            .on(&[O::DoneA, O::CaseA, O::CaseB, O::CaseDept, O::CaseRegion])
            .expect(|p, o| signed(p, sees_case(p, o))),
        // DoneA is rated already and the others are not finished: refused for that.
        post("/api/v1/cases/{id}/evaluation")
            .on(&[O::DoneA, O::CaseA, O::CaseB, O::CaseDept, O::CaseRegion])
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .send(|_, _, _| json_of(json!({"level": 1, "comment": "越权好评"}))),
        get("/api/v1/evaluations/stats").expect(api_staff),
        get("/api/v1/evaluations/settings").expect(any_signed_in),
        put("/api/v1/evaluations/settings")
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({"rectification_working_days": 9})))
            .harmless(|_, _, _| json_of(json!({"rectification_working_days": 0}))),
        get("/api/v1/rectifications").expect(|p, _| {
            signed(
                p,
                p.staff() && (p.dept().is_some() || p.overseer() || p == P::Region),
            )
        }),
        get("/api/v1/rectifications/{id}")
            .on(&[O::Rect])
            .expect(|p, _| signed(p, sees_rect(p))),
        post("/api/v1/rectifications/{id}/callbacks")
            .on(&[O::Rect])
            .expect(|p, _| signed(p, acts_rect(p)))
            .attack(|_, _, _| json_of(json!({"method": "phone", "feedback": "越权回访"})))
            .harmless(|_, _, _| json_of(json!({"method": "pigeon", "feedback": "x"}))),
        post("/api/v1/rectifications/{id}/close")
            .on(&[O::Rect])
            .expect(|p, _| signed(p, acts_rect(p)))
            .attack(|_, _, _| json_of(json!({"outcome": "立行立改", "note": "越权办结"})))
            .harmless(|_, _, _| json_of(json!({"outcome": "不存在的结果", "note": "x"}))),
        // 未办成事.
        post("/api/v1/unresolved")
            .expect(|p, _| signed(p, p.staff() && desk(p)))
            .attack(|_, _, _| {
                json_of(json!({"person_name": "孙先生", "person_phone": "13700137009",
                   "request": "越权登记", "reasons": ["system_failure"], "owner": "lh_clerk"}))
            })
            .harmless(|_, _, _| {
                json_of(json!({"person_name": "", "person_phone": "1", "request": "", "reasons": [], "owner": ""}))
            }),
        get("/api/v1/unresolved").expect(api_staff),
        get("/api/v1/unresolved")
            .query("scope=region")
            .expect(|p, _| signed(p, p.overseer() || p.coordinates(p.region().unwrap_or("")))),
        get("/api/v1/unresolved/owners").expect(|p, _| signed(p, p.staff() && desk(p))),
        get("/api/v1/unresolved/{id}")
            .on(&UNRESOLVED)
            .expect(|p, o| signed(p, sees_unresolved(p, o))),
        post("/api/v1/unresolved/{id}/updates")
            .on(&UNRESOLVED)
            .expect(|p, o| signed(p, notes_unresolved(p, o)))
            .attack(|_, _, _| json_of(json!({"note": "越权跟进"})))
            .harmless(|_, _, _| json_of(json!({"note": ""}))),
        post("/api/v1/unresolved/{id}/assign")
            .on(&UNRESOLVED)
            .expect(|p, o| signed(p, assigns_unresolved(p, o)))
            .attack(|_, _, o| {
                let owner = if o == O::UnrLh { "lh_reviewer" } else { "xy_clerk" };
                json_of(json!({"owner": owner, "working_days": 3, "note": "越权转交"}))
            })
            .harmless(|_, _, _| json_of(json!({"owner": "nobody-at-all"}))),
        post("/api/v1/unresolved/{id}/close")
            .on(&UNRESOLVED)
            .expect(|p, o| signed(p, closes_unresolved(p, o)))
            .attack(|_, _, _| json_of(json!({"resolution": "越权办结"})))
            .harmless(|_, _, _| json_of(json!({"resolution": ""}))),
        // Search.
        get("/api/v1/search").query("q=户口迁移"),
        get("/api/v1/search/suggest").query("q=户口"),
        // The knowledge draft is found by nobody.
        get("/api/v1/search").query("q=授权矩阵未发布的知识草稿"),
        get("/api/v1/search/suggest").query("q=授权矩阵"),
        post("/api/v1/search/clicks").send(|fx, _, _| {
            json_of(json!({"log_id": fx.search_log, "kind": "item", "code": ITEM, "rank": 1}))
        }),
        get("/api/v1/admin/search/failed").expect(api_staff),
        get("/api/v1/admin/search/synonyms").expect(api_staff),
        post("/api/v1/admin/search/synonyms")
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({"term": "越权同义词", "equivalents": ["户口迁移"]})))
            .harmless(|_, _, _| json_of(json!({"term": "", "equivalents": []}))),
        delete("/api/v1/admin/search/synonyms/{term}")
            .fill("term", "办身份证")
            .expect(api_province),
        // Knowledge.
        get("/api/v1/knowledge"),
        get("/api/v1/knowledge").query("item=HN-XK-00001"),
        get("/api/v1/knowledge/{code}")
            .on(&KNOWLEDGE)
            .expect(|_, o| if o == O::KnowPub { Exp::Allow } else { Exp::Deny }),
        get("/api/v1/admin/knowledge").expect(api_staff),
        post("/api/v1/admin/knowledge")
            .expect(api_province)
            .attack(|_, _, _| {
                json_of(json!({"kind": "article", "category": "guide", "title": "越权新建的文章", "body": "越权"}))
            })
            .harmless(|_, _, _| json_of(json!({"kind": "article", "title": "", "body": ""}))),
        get("/api/v1/admin/knowledge/{code}")
            .on(&KNOWLEDGE)
            .expect(api_staff),
        put("/api/v1/admin/knowledge/{code}/draft")
            .on(&KNOWLEDGE)
            .expect(api_province)
            .attack(|_, _, _| {
                json_of(json!({"title": "越权修改的标题", "body": "越权", "category": "guide", "item_codes": [ITEM]}))
            })
            .harmless(|_, _, _| json_of(json!({"title": "", "body": ""}))),
        delete("/api/v1/admin/knowledge/{code}/draft")
            .on(&KNOWLEDGE)
            .expect(api_province),
        post("/api/v1/admin/knowledge/{code}/publish")
            .on(&KNOWLEDGE)
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({"note": "越权发布"}))),
        post("/api/v1/admin/knowledge/{code}/withdraw")
            .on(&KNOWLEDGE)
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({"reason": "越权撤下"}))),
        post("/api/v1/admin/knowledge/{code}/review")
            .on(&KNOWLEDGE)
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({}))),
        get("/api/v1/admin/knowledge/{code}/versions")
            .on(&KNOWLEDGE)
            .expect(api_staff),
        get("/api/v1/admin/knowledge/{code}/versions/{version}")
            .on(&[O::KnowPub])
            .expect(api_staff),
        get("/api/v1/admin/items/{code}/knowledge")
            .on(&[O::Item])
            .expect(api_staff),
        // Fees.
        get("/api/v1/cases/{id}/payments")
            .on(&FOUR)
            .expect(|p, o| signed(p, sees_fees(p, o))),
        post("/api/v1/cases/{id}/payments")
            .on(&FOUR)
            .expect(|p, o| signed(p, charges(p, o)))
            .attack(|_, _, _| json_of(json!({"amount_fen": 500, "description": "越权收费"})))
            .harmless(|_, _, _| json_of(json!({"amount_fen": 0, "description": "x"}))),
        get("/api/v1/cases/{id}/delivery")
            .on(&FOUR)
            .expect(|p, o| signed(p, sees_fees(p, o))),
        put("/api/v1/cases/{id}/delivery")
            .on(&FOUR)
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .attack(|_, _, _| json_of(json!({"method": "pickup"})))
            .harmless(|_, _, _| json_of(json!({"method": "pigeon"}))),
        get("/api/v1/payments/{order_no}")
            .on(&PAYMENTS)
            .expect(|p, o| signed(p, fee_case(o).is_some_and(|case| sees_fees(p, case)))),
        // Only the applicant pays (and starting to pay is not sent for them).
        post("/api/v1/payments/{order_no}/pay")
            .on(&PAYMENTS)
            .expect(|p, o| {
                signed(
                    p,
                    fee_case(o).and_then(case_facts).is_some_and(|c| c.applicant == p),
                )
            }),
        // The fees are not paid: refunding them is refused for that, after the access check.
        post("/api/v1/payments/{order_no}/refund")
            .on(&PAYMENTS)
            .expect(|p, o| signed(p, fee_case(o).is_some_and(|case| refunds(p, case))))
            .send(|_, _, _| json_of(json!({"reason": "越权退款"}))),
        get("/api/v1/payments/reconciliation").expect(|p, _| signed(p, reconciles(p))),
        // Gateways sign what they send; a forged signature is refused whoever sends it.
        post("/api/v1/payments/notify")
            .header("X-Zerotrip-Signature", FORGED)
            .expect(|_, _| Exp::Login)
            .send(|fx, _, _| {
                json_of(json!({"provider": "local", "order_no": fx.number(O::PayA), "trade_no": "T1",
                               "amount_fen": 2000, "status": "paid", "paid_at": "2026-01-05T10:00:00Z",
                               "timestamp": 0, "nonce": "authzforgednonce0001"}))
            }),
        post("/api/v1/sms/delivery-reports")
            .header("X-Zerotrip-Signature", FORGED)
            .expect(|_, _| Exp::Login)
            .send(|_, _, _| {
                json_of(json!({"provider": "local", "message_id": "1", "status": "delivered",
                               "report": "DELIVRD", "timestamp": 0}))
            }),
        // In-site messages: everyone their own.
        get("/api/v1/messages").expect(any_signed_in),
        post("/api/v1/messages/read-all")
            .expect(any_signed_in)
            .send(empty)
            .last(),
        post("/api/v1/messages/{id}/read")
            .on(&MESSAGES)
            .expect(|p, o| signed(p, p == message_owner(o)))
            .send(empty),
        // 12345.
        post("/api/v1/hotline/orders")
            .expect(|p, _| signed(p, p.applicant() || p.hotline()))
            .attack(|_, _, _| {
                json_of(json!({"kind": "complaint", "content": "越权登记的诉求", "region": LONGHUA,
                               "requester_name": "周先生", "contact_phone": "13700137010"}))
            })
            .harmless(|_, _, _| json_of(json!({"kind": "nonsense", "content": "", "region": LONGHUA}))),
        get("/api/v1/hotline/orders").expect(any_signed_in),
        get("/api/v1/hotline/orders")
            .query("scope=all&per_page=100")
            .expect(any_signed_in),
        get("/api/v1/hotline/orders/{id}")
            .on(&ORDERS)
            .expect(|p, o| signed(p, sees_order(p, o))),
        get("/api/v1/hotline/orders/{id}/suggestions")
            .on(&ORDERS)
            .expect(|p, o| signed(p, sees_order(p, o) && p.hotline())),
        get("/api/v1/hotline/orders/{id}/departments")
            .on(&ORDERS)
            .expect(|p, o| signed(p, sees_order(p, o) && p.hotline())),
        get("/api/v1/hotline/time-limits").expect(any_signed_in),
        put("/api/v1/hotline/time-limits")
            .expect(api_province)
            .attack(|_, _, _| json_of(json!({"kind": "consultation", "working_days": 9})))
            .harmless(|_, _, _| json_of(json!({"kind": "nonsense", "working_days": 9}))),
    ];
    for action in ORDER_ACTIONS {
        let mut route = post(match action {
            "dispatch" => "/api/v1/hotline/orders/{id}/dispatch",
            "redispatch" => "/api/v1/hotline/orders/{id}/redispatch",
            "return" => "/api/v1/hotline/orders/{id}/return",
            "merge" => "/api/v1/hotline/orders/{id}/merge",
            "reply" => "/api/v1/hotline/orders/{id}/reply",
            "opinion" => "/api/v1/hotline/orders/{id}/opinions",
            "rework" => "/api/v1/hotline/orders/{id}/rework",
            "close" => "/api/v1/hotline/orders/{id}/close",
            _ => "/api/v1/hotline/orders/{id}/callback",
        })
        .on(&ORDERS)
        .expect(order_rule(action))
        .attack(order_attack(action));
        route.harmless = Some(order_harmless(action, false));
        routes.push(route);
    }
    routes
}

fn page_routes() -> Vec<Route> {
    let mut routes = vec![
        // The portal.
        get("/"),
        get("/items").query("q=户口"),
        get("/items/{code}").on(&[O::Item]),
        get("/items/{code}/versions").on(&[O::Item]),
        get("/items/{code}/versions/{version}").on(&[O::Item]),
        get("/departments"),
        get("/regions"),
        get("/bundles"),
        get("/zero-trip"),
        get("/zero-trip/export.csv"),
        get("/zero-trip/export.json"),
        get("/zero-trip/history"),
        get("/reductions"),
        get("/preferences"),
        post("/preferences/elder").send(|_, _, _| form(&[("on", "1"), ("back", "/")])),
        get("/static/app.css"),
        get("/static/app.js"),
        get("/static/favicon.svg"),
        get("/static/search.js"),
        get("/static/search.css"),
        get("/manifest.webmanifest"),
        get("/search").query("q=户口迁移"),
        get("/search").query("q=授权矩阵未发布的知识草稿"),
        get("/knowledge"),
        get("/knowledge/{code}").on(&KNOWLEDGE).expect(|_, o| {
            if o == O::KnowPub {
                Exp::Allow
            } else {
                Exp::Deny
            }
        }),
        get("/healthz"),
        get("/readyz"),
        get("/metrics"),
        // Signing up and in.
        get("/login"),
        post("/login").send(|_, _, _| form(&[("username", ""), ("password", "")])),
        get("/register"),
        post("/register").send(|_, _, _| form(&[("real_name", "")])),
        get("/register/company"),
        post("/register/company").send(|_, _, _| form(&[("company_name", "")])),
        post("/logout").send(empty).signs_out(),
        get("/admin/login"),
        post("/admin/login").send(|_, _, _| form(&[("username", ""), ("password", "")])),
        post("/admin/logout").send(empty).signs_out(),
        get("/kiosk"),
        get("/kiosk/login"),
        post("/kiosk/code").send(|_, _, _| form(&[("phone", "123")])),
        post("/kiosk/login").send(|_, _, _| form(&[("phone", "123"), ("code", "")])),
        post("/kiosk/exit").send(empty).signs_out(),
        // Progress by number, phone and SMS code: the wrong phone learns nothing.
        get("/progress"),
        post("/progress").send(|fx, _, _| {
            Payload::Form(vec![
                ("number".into(), fx.number(O::CaseA).to_owned()),
                ("phone".into(), PHONE_A.into()),
                ("code".into(), "000000".into()),
            ])
        }),
        post("/progress/code").send(|fx, _, _| {
            Payload::Form(vec![
                ("number".into(), fx.number(O::CaseA).to_owned()),
                ("phone".into(), "13912340000".into()),
            ])
        }),
        // The account.
        get("/account").expect(|p, _| applicant_page(p, true)),
        // Companies are refused for what they are (only persons give consents): 400.
        post("/account/consents")
            .expect(|p, _| applicant_page(p, true))
            .attack(|_, _, _| {
                form(&[
                    ("agent", CITIZEN_B),
                    ("scope", ITEM),
                    ("evidence", "越权委托"),
                    ("days", "30"),
                ])
            })
            .harmless(|_, _, _| {
                form(&[
                    ("agent", "nobody"),
                    ("scope", ITEM),
                    ("evidence", "x"),
                    ("days", "30"),
                ])
            }),
        post("/account/consents/{id}/revoke")
            .on(&[O::ConsentA])
            .expect(|p, _| applicant_page(p, p == P::A)),
        // Applying.
        get("/items/{code}/apply")
            .on(&[O::Item])
            .query("region=460106")
            .expect(any_signed_in),
        // 帮办代办 for A: A's name only to those who may file for A.
        get("/items/{code}/apply")
            .on(&[O::Item])
            .query("region=460106&for=460106199001011239")
            .expect(any_signed_in)
            .hidden(|p| p.has(Role::WindowClerk), "申请人：王*"),
        post("/items/{code}/apply")
            .on(&[O::Item])
            .expect(|p, _| signed(p, p == P::A || p.has(Role::WindowClerk)))
            .attack(|_, _, _| form(&[("region", LONGHUA), ("for", CITIZEN_A)]))
            .harmless(|_, _, _| form(&[("region", ""), ("for", CITIZEN_A)])),
        get("/cases/{id}/edit")
            .on(&CASES)
            .expect(|p, o| signed(p, sees_case(p, o))),
        // A submitted case's form is not edited: those who may read it are sent to it.
        post("/cases/{id}/edit")
            .on(&[O::DraftA, O::CaseB, O::CaseDept, O::CaseRegion])
            .expect(|p, o| {
                if o == O::DraftA {
                    signed(p, p == P::A)
                } else {
                    signed(p, sees_case(p, o))
                }
            })
            .attack(|_, _, _| form(&[("description", "越权修改"), ("then", "next")]))
            .harmless(|_, _, _| form(&[("contact_phone", "123"), ("then", "next")])),
        get("/cases/{id}/materials")
            .on(&CASES)
            .expect(|p, o| signed(p, sees_case(p, o))),
        post("/cases/{id}/materials/{position}")
            .on(&[O::DraftA])
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .attack(|_, _, _| Payload::Upload(pdf("page-attack")))
            .harmless(|_, _, _| Payload::Upload(b"MZ not a document".to_vec())),
        get("/cases/{id}/check")
            .on(&CASES)
            .expect(|p, o| signed(p, sees_case(p, o))),
        post("/cases/{id}/submit")
            .on(&[O::DraftA, O::CaseB, O::CaseRegion])
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .send(|_, _, _| form(&[("idempotency_key", "authz-page-submit-0001")])),
        get("/cases/{id}/receipt")
            .on(&CASES)
            .expect(|p, o| signed(p, sees_case(p, o))),
        // A's own and others' cases.
        get("/my/cases").expect(any_signed_in),
        get("/cases/{id}")
            .on(&CASES)
            .expect(|p, o| signed(p, sees_case(p, o))),
        get("/cases/{id}/withdraw")
            .on(&FOUR)
            .expect(|p, o| applicant_page(p, sees_case(p, o))),
        post("/cases/{id}/withdraw")
            .on(&FOUR)
            .expect(|p, o| applicant_page(p, sees_case(p, o)))
            .attack(|_, _, _| form(&[("reason", "越权撤回"), ("confirm", "on")]))
            .harmless(|_, _, _| form(&[("reason", "不勾选确认")])),
        // No case waits for a supplement: refused for that, after the access check.
        post("/cases/{id}/supplement")
            .on(&FOUR)
            .expect(|p, o| signed(p, acts_on_case(p, o) || window_of(p, o)))
            .send(empty),
        get("/cases/{id}/materials/{position}/file")
            .on(&[O::CaseA, O::CaseB, O::CaseDept, O::CaseRegion, O::DoneA])
            .expect(|p, o| signed(p, sees_case(p, o))),
        get("/cases/{id}/evaluation")
            .on(&[O::DoneA, O::CaseA, O::CaseB, O::CaseDept, O::CaseRegion])
            .expect(|p, o| signed(p, sees_case(p, o))),
        post("/cases/{id}/evaluation")
            .on(&[O::DoneA, O::CaseA, O::CaseB, O::CaseDept, O::CaseRegion])
            .expect(|p, o| signed(p, case_facts(o).is_some_and(|c| c.applicant == p)))
            .send(|_, _, _| form(&[("level", "1"), ("comment", "越权好评")])),
        // The workbench.
        get("/workbench").expect(|p, _| staff_page(p, p != P::LhDeptAdmin)),
        get("/workbench/cases/{id}")
            .on(&CASES)
            .expect(|p, o| staff_page(p, sees_case(p, o))),
        post("/workbench/cases/{id}/actions")
            .on(&FOUR)
            .expect(|p, o| staff_page(p, acts_on_case(p, o)))
            .attack(|_, _, _| form(&[("action", "accept")]))
            .harmless(|_, _, _| form(&[("action", "approve")])),
        get("/workbench/window").expect(|p, _| staff_page(p, p.has(Role::WindowClerk))),
        post("/workbench/window/register")
            .expect(|p, _| staff_page(p, p.has(Role::WindowClerk)))
            .attack(|_, _, _| {
                form(&[
                    ("real_name", "吴越权"),
                    ("id_number", "460106198808081233"),
                    ("phone", "13912345679"),
                    ("consent", "on"),
                ])
            })
            .harmless(|_, _, _| {
                form(&[("real_name", "吴越权"), ("id_number", "460106198808081233")])
            }),
        get("/workbench/window/start")
            .query("id_number=460106199001011239&item=HN-XK-00001&region=460106")
            .expect(|p, _| staff_page(p, p.has(Role::WindowClerk))),
        post("/workbench/window/start")
            .expect(|p, _| staff_page(p, p.has(Role::WindowClerk)))
            .attack(|_, _, _| {
                form(&[
                    ("id_number", CITIZEN_A),
                    ("item", ITEM),
                    ("region", LONGHUA),
                ])
            })
            .harmless(|_, _, _| {
                form(&[
                    ("id_number", CITIZEN_A),
                    ("item", ITEM),
                    ("region", "469999"),
                ])
            }),
        get("/workbench/window/handover").expect(|p, _| staff_page(p, p.has(Role::WindowClerk))),
        // 好差评 and rectifications.
        get("/workbench/evaluations").expect(page_staff),
        get("/workbench/rectifications")
            .expect(|p, _| staff_page(p, p.dept().is_some() || p.overseer() || p == P::Region)),
        get("/workbench/rectifications/{id}")
            .on(&[O::Rect])
            .expect(|p, _| staff_page(p, sees_rect(p))),
        post("/workbench/rectifications/{id}/callbacks")
            .on(&[O::Rect])
            .expect(|p, _| staff_page(p, acts_rect(p)))
            .attack(|_, _, _| form(&[("method", "phone"), ("feedback", "越权回访")]))
            .harmless(|_, _, _| form(&[("method", "pigeon"), ("feedback", "x")])),
        post("/workbench/rectifications/{id}/close")
            .on(&[O::Rect])
            .expect(|p, _| staff_page(p, acts_rect(p)))
            .attack(|_, _, _| form(&[("outcome", "立行立改"), ("note", "越权办结")]))
            .harmless(|_, _, _| form(&[("outcome", "不存在的结果"), ("note", "x")])),
        // 未办成事.
        get("/workbench/unresolved").expect(page_staff),
        post("/workbench/unresolved")
            .expect(|p, _| staff_page(p, desk(p)))
            .attack(|_, _, _| {
                form(&[
                    ("person_name", "孙先生"),
                    ("person_phone", "13700137009"),
                    ("request", "越权登记"),
                    ("reasons", "system_failure"),
                    ("owner", "lh_clerk"),
                ])
            })
            .harmless(|_, _, _| form(&[("person_name", "")])),
        get("/workbench/unresolved/new").expect(|p, _| staff_page(p, desk(p))),
        get("/workbench/unresolved/{id}")
            .on(&UNRESOLVED)
            .expect(|p, o| staff_page(p, sees_unresolved(p, o))),
        post("/workbench/unresolved/{id}/updates")
            .on(&UNRESOLVED)
            .expect(|p, o| staff_page(p, notes_unresolved(p, o)))
            .attack(|_, _, _| form(&[("note", "越权跟进")]))
            .harmless(|_, _, _| form(&[("note", "")])),
        post("/workbench/unresolved/{id}/assign")
            .on(&UNRESOLVED)
            .expect(|p, o| staff_page(p, assigns_unresolved(p, o)))
            .attack(|_, _, o| {
                let owner = if o == O::UnrLh {
                    "lh_reviewer"
                } else {
                    "xy_clerk"
                };
                Payload::Form(vec![
                    ("owner".into(), owner.into()),
                    ("working_days".into(), "3".into()),
                    ("note".into(), "越权转交".into()),
                ])
            })
            .harmless(|_, _, _| form(&[("owner", "nobody-at-all")])),
        post("/workbench/unresolved/{id}/close")
            .on(&UNRESOLVED)
            .expect(|p, o| staff_page(p, closes_unresolved(p, o)))
            .attack(|_, _, _| form(&[("resolution", "越权办结")]))
            .harmless(|_, _, _| form(&[("resolution", "")])),
        // 12345.
        get("/hotline/new").expect(any_signed_in),
        get("/hotline/orders").expect(any_signed_in),
        post("/hotline/orders")
            .expect(any_signed_in)
            .attack(|_, _, _| {
                form(&[
                    ("kind", "complaint"),
                    ("content", "越权登记的诉求"),
                    ("region", LONGHUA),
                ])
            })
            .harmless(|_, _, _| {
                form(&[("kind", "nonsense"), ("content", ""), ("region", LONGHUA)])
            }),
        // Staff are sent to the workbench page of the order.
        get("/hotline/orders/{id}")
            .on(&ORDERS)
            .expect(|p, o| signed(p, p.staff() || sees_order(p, o))),
        post("/hotline/orders/{id}/callback")
            .on(&ORDERS)
            .expect(|p, o| signed(p, sees_order(p, o) && order_action(p, o, "callback")))
            .send(|_, _, _| form(&[("satisfaction", "satisfied"), ("note", "越权回访")])),
        get("/workbench/hotline").expect(page_staff),
        post("/workbench/hotline")
            .expect(|p, _| staff_page(p, p.hotline()))
            .attack(|_, _, _| {
                form(&[
                    ("kind", "complaint"),
                    ("content", "越权登记的来电"),
                    ("region", LONGHUA),
                    ("requester_name", "周先生"),
                    ("contact_phone", "13700137010"),
                ])
            })
            .harmless(|_, _, _| form(&[("kind", "nonsense"), ("content", "")])),
        // The empty intake form; taking the call is the hotline's (POST above).
        get("/workbench/hotline/new").expect(page_staff),
        get("/workbench/hotline/{id}")
            .on(&ORDERS)
            .expect(|p, o| staff_page(p, sees_order(p, o))),
        // Knowledge administration.
        get("/admin/knowledge").expect(page_staff),
        // Shown read-only to other staff.
        get("/admin/knowledge/new").expect(page_staff),
        post("/admin/knowledge/new")
            .expect(page_province)
            .attack(|_, _, _| {
                form(&[
                    ("kind", "article"),
                    ("category", "guide"),
                    ("title", "越权新建的文章"),
                    ("body", "越权"),
                ])
            })
            .harmless(|_, _, _| form(&[("kind", "article"), ("title", ""), ("body", "")])),
        get("/admin/knowledge/{code}")
            .on(&KNOWLEDGE)
            .expect(page_staff),
        post("/admin/knowledge/{code}")
            .on(&KNOWLEDGE)
            .expect(page_province)
            .attack(|_, _, _| {
                form(&[
                    ("title", "越权修改的标题"),
                    ("body", "越权"),
                    ("category", "guide"),
                ])
            })
            .harmless(|_, _, _| form(&[("title", ""), ("body", "")])),
        post("/admin/knowledge/{code}/publish")
            .on(&KNOWLEDGE)
            .expect(page_province)
            .attack(|_, _, _| form(&[("note", "越权发布")])),
        post("/admin/knowledge/{code}/discard")
            .on(&KNOWLEDGE)
            .expect(page_province),
        post("/admin/knowledge/{code}/withdraw")
            .on(&KNOWLEDGE)
            .expect(page_province)
            .attack(|_, _, _| form(&[("reason", "越权撤下")])),
        post("/admin/knowledge/{code}/review")
            .on(&KNOWLEDGE)
            .expect(page_province),
        get("/admin/knowledge/{code}/versions/{version}")
            .on(&[O::KnowPub])
            .expect(page_staff),
        get("/admin/items/{code}/knowledge")
            .on(&[O::Item])
            .expect(page_staff),
        // Results: the applicant chooses how, the handling department hands them over.
        get("/cases/{id}/delivery")
            .on(&FOUR)
            .expect(|p, o| applicant_page(p, sees_case(p, o))),
        post("/cases/{id}/delivery")
            .on(&FOUR)
            .expect(|p, o| applicant_page(p, sees_case(p, o)))
            .attack(|_, _, _| form(&[("delivery_method", "pickup")]))
            .harmless(|_, _, _| form(&[("delivery_method", "pigeon")])),
        // Nothing waits to be picked up: refused for that, after the access check.
        post("/workbench/cases/{id}/delivery/pickup")
            .on(&FOUR)
            .expect(|p, o| {
                staff_page(
                    p,
                    case_facts(o).is_some_and(|c| p.dept() == Some(c.dept) && p.staff()),
                )
            })
            .send(empty),
        get("/static/delivery.js"),
        // Fees, messages, text messages.
        post("/payments/{order_no}/pay")
            .on(&PAYMENTS)
            .expect(|p, o| {
                applicant_page(
                    p,
                    fee_case(o)
                        .and_then(case_facts)
                        .is_some_and(|c| c.applicant == p),
                )
            }),
        // The cashier answers whoever holds its link; paying is not sent.
        get("/pay/local/{token}").on(&[O::PayA]).unscoped(),
        post("/pay/local/{token}").on(&[O::PayA]),
        get("/workbench/payments/reconciliation").expect(|p, _| staff_page(p, reconciles(p))),
        get("/workbench/payments/{order_no}/refund")
            .on(&PAYMENTS)
            .expect(|p, o| staff_page(p, fee_case(o).is_some_and(|case| sees_fees(p, case)))),
        post("/workbench/payments/{order_no}/refund")
            .on(&PAYMENTS)
            .expect(|p, o| staff_page(p, fee_case(o).is_some_and(|case| refunds(p, case))))
            .send(|_, _, _| form(&[("reason", "越权退款"), ("confirm", "on")])),
        get("/my/messages").expect(any_signed_in),
        get("/my/messages/{id}")
            .on(&MESSAGES)
            .expect(|p, o| signed(p, p == message_owner(o))),
        post("/my/messages/read-all")
            .expect(any_signed_in)
            .send(empty)
            .last(),
        get("/admin/sms").expect(|p, _| staff_page(p, p.overseer())),
        get("/admin/sms/{id}")
            .on(&[O::SmsA])
            .expect(|p, _| staff_page(p, p.overseer())),
        // Search administration.
        get("/admin/search/failed").expect(page_staff),
        get("/admin/search/synonyms").expect(page_staff),
        post("/admin/search/synonyms")
            .expect(page_province)
            .attack(|_, _, _| form(&[("term", "越权同义词"), ("equivalents", "户口迁移")]))
            .harmless(|_, _, _| form(&[("term", ""), ("equivalents", "")])),
        post("/admin/search/synonyms/remove")
            .expect(page_province)
            .attack(|fx, _, _| Payload::Form(vec![("term".into(), fx.synonym.clone())])),
        // Catalogue administration.
        get("/admin").expect(|p, _| staff_page(p, catalogue_admin(p) || p == P::Auditor)),
        get("/admin/items").expect(|p, _| staff_page(p, catalogue_admin(p) || p == P::Auditor)),
        get("/admin/items/{code}")
            .on(&[O::Item])
            .expect(|p, _| staff_page(p, catalogue_admin(p))),
        post("/admin/items/{code}")
            .on(&[O::Item])
            .expect(page_province)
            .attack(|_, _, _| form(&[("name", "越权修改的事项名称")])),
        post("/admin/items/{code}/json")
            .on(&[O::Item])
            .expect(page_province)
            .attack(|fx, _, _| {
                let mut item = fx.item.clone();
                item["name"] = json!("越权修改的事项名称");
                Payload::Form(vec![("json".into(), item.to_string())])
            })
            .harmless(|_, _, _| form(&[("json", "{")])),
        post("/admin/items/{code}/publish")
            .on(&[O::Item])
            .expect(page_province)
            .attack(|_, _, _| form(&[("note", "越权发布")])),
        post("/admin/items/{code}/discard")
            .on(&[O::Item])
            .expect(page_province),
        get("/admin/items/{code}/implementations")
            .on(&[O::Item])
            .expect(page_staff),
        get("/admin/implementations/{code}")
            .on(&IMPLEMENTATIONS)
            .expect(page_staff),
        post("/admin/implementations/{code}")
            .on(&IMPLEMENTATIONS)
            .expect(|p, o| staff_page(p, edits_implementation(p, o)))
            .attack(|_, _, _| {
                form(&[
                    ("address", "越权修改的地址"),
                    ("consult_phone", "0898-12345678"),
                    ("complaint_phone", "0898-12345678"),
                    ("hours", "越权修改的办公时间"),
                ])
            }),
        get("/admin/check").expect(|p, _| staff_page(p, catalogue_admin(p) || p == P::Auditor)),
        get("/admin/zero-trip").expect(page_staff),
        post("/admin/zero-trip/publish")
            .expect(page_province)
            .attack(|_, _, _| form(&[("note", "越权发布")])),
        get("/admin/audit")
            .expect(|p, _| staff_page(p, p.overseer()))
            .audit_trail(),
        // Verifying the chain reads and changes nothing.
        post("/admin/audit/verify")
            .expect(|p, _| staff_page(p, p.overseer()))
            .send(empty),
    ];
    for action in ORDER_ACTIONS {
        let mut route = post("/workbench/hotline/{id}/{action}")
            .fill("action", action)
            .on(&ORDERS)
            .expect(order_page_rule(action))
            .attack(order_form_attack(action));
        route.harmless = Some(order_harmless(action, true));
        routes.push(route);
    }
    routes
}

fn routes() -> Vec<Route> {
    let mut routes = api_routes();
    routes.extend(page_routes());
    routes
}

// ---------------------------------------------------------------------------------------------
// Which routes exist

/// `(METHOD, path)` of every `.route(…)` call in the web crate's source: the pages (and
/// health/metrics) as they are, the API's under `/api`.
fn source_routes() -> BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("the source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let literal = Regex::new(r#""([^"]*)""#).expect("pattern");
    let method =
        Regex::new(r"(?:^|[^A-Za-z0-9_])(get|post|put|delete|patch)\s*\(").expect("pattern");
    let mut found = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("a source file");
        let is_api = file.starts_with(root.join("api"));
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            let call = &rest[at + ".route(".len()..];
            // The call's text, up to its closing parenthesis.
            let mut depth = 1;
            let mut end = call.len();
            for (index, c) in call.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = index;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &call[..end];
            rest = &rest[at + ".route(".len() + end..];
            let Some(path) = literal.captures(call).map(|c| c[1].to_owned()) else {
                continue;
            };
            let after = &call[call.find(&format!("\"{path}\"")).unwrap_or(0) + path.len() + 2..];
            let path = if is_api { format!("/api{path}") } else { path };
            for m in method.captures_iter(after) {
                found.insert((m[1].to_uppercase(), path.clone()));
            }
        }
    }
    found
}

/// `(METHOD, path)` of every operation in the OpenAPI document.
async fn documented_routes(site: &TestSite, anon: &Caller) -> BTreeSet<(String, String)> {
    let doc = anon.get(site, "/api/openapi.json").await.json();
    let mut found = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for method in operations.as_object().expect("operations").keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Reading everything back

/// Everything a state-changing route could change, as the province administrator (and A) see it.
async fn snapshot(world: &World<'_>) -> BTreeMap<String, Value> {
    let site = world.site;
    let fx = &world.fx;
    let mut paths: Vec<(P, String)> = Vec::new();
    for o in CASES {
        paths.push((P::Admin, format!("/api/v1/cases/{}", fx.id(o))));
    }
    for o in ORDERS {
        paths.push((P::Admin, format!("/api/v1/hotline/orders/{}", fx.id(o))));
    }
    for o in UNRESOLVED {
        paths.push((P::Admin, format!("/api/v1/unresolved/{}", fx.id(o))));
    }
    for o in KNOWLEDGE {
        paths.push((
            P::Admin,
            format!("/api/v1/admin/knowledge/{}", fx.codes[&o]),
        ));
    }
    paths.push((
        P::Admin,
        format!("/api/v1/rectifications/{}", fx.id(O::Rect)),
    ));
    for o in PAYMENTS {
        paths.push((P::Admin, format!("/api/v1/payments/{}", fx.number(o))));
    }
    for path in [
        "/api/v1/cases?inbox=true&all=true&per_page=100",
        "/api/v1/hotline/orders?scope=all&per_page=100",
        "/api/v1/unresolved?scope=region&per_page=100",
        "/api/v1/rectifications?per_page=100",
        "/api/v1/admin/knowledge",
        "/api/v1/evaluations/settings",
        "/api/v1/hotline/time-limits",
        "/api/v1/admin/search/synonyms",
        "/api/v1/zero-trip/publications",
        "/api/v1/items/HN-XK-00001/implementations",
        "/api/v1/admin/items/HN-XK-00001",
    ] {
        paths.push((P::Admin, path.to_owned()));
    }
    for who in [P::A, P::B, P::Co] {
        paths.push((who, "/api/v1/cases?mine=true&per_page=100".to_owned()));
        paths.push((who, "/api/v1/accounts/me/consents".to_owned()));
    }
    let reads = paths
        .iter()
        .map(|(who, path)| (world.caller(*who).clone(), path.clone()))
        .collect();
    let answers = read_all(&site.base, reads, Vec::new()).await;
    let mut seen = BTreeMap::new();
    for ((who, path), answer) in paths.into_iter().zip(answers) {
        assert_eq!(answer.status, 200, "{who:?} reads {path}: {}", answer.text);
        seen.insert(format!("{who:?} {path}"), answer.json());
    }
    seen
}

/// What differs between two snapshots, briefly.
fn differences(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) -> Vec<String> {
    before
        .iter()
        .filter(|(key, value)| after.get(*key) != Some(value))
        .map(|(key, value)| {
            let now = after.get(key).map(Value::to_string).unwrap_or_default();
            let was = value.to_string();
            let common = was
                .chars()
                .zip(now.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let from = common.saturating_sub(60);
            format!(
                "{key}: …{} → …{}",
                was.chars().skip(from).take(200).collect::<String>(),
                now.chars().skip(from).take(200).collect::<String>()
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Leaks in what is shown

/// A regular expression, compiled once.
fn pattern(source: &'static str) -> &'static Regex {
    static COMPILED: std::sync::LazyLock<std::sync::Mutex<HashMap<&'static str, &'static Regex>>> =
        std::sync::LazyLock::new(Default::default);
    let mut compiled = COMPILED.lock().expect("the pattern cache");
    compiled
        .entry(source)
        .or_insert_with(|| Box::leak(Box::new(Regex::new(source).expect("a valid pattern"))))
}

/// Identifiers of objects outside the principal's scope found in an answer (ignoring those the
/// request itself named).
fn leaks(fx: &Fx, who: P, route: &Route, request: &str, answer: &Answer) -> Vec<String> {
    if !answer.content_type.starts_with("text/") && !answer.content_type.contains("json") {
        return Vec::new();
    }
    let text = &answer.text;
    let mut found: Vec<String> = fx
        .secrets(who, route.audit_trail)
        .into_iter()
        .filter(|(needle, _)| !request.contains(needle.as_str()) && text.contains(needle.as_str()))
        // Someone who typed the full ID number may see it masked.
        .filter(|(needle, _)| {
            ![
                (CITIZEN_A, "4601**********1239"),
                (CITIZEN_B, "4601**********0022"),
            ]
            .iter()
            .any(|(full, masked)| needle == masked && request.contains(full))
        })
        .map(|(_, what)| what)
        .collect();
    // Ids: in lists of the API, and in links of the pages.
    let asked: BTreeSet<i64> = pattern(r"[0-9]+")
        .find_iter(request)
        .filter_map(|m| m.as_str().parse().ok())
        .collect();
    let id_of = |kinds: &[O], id: i64| kinds.iter().copied().find(|o| fx.ids.get(o) == Some(&id));
    let mut check = |kinds: &[O], id: i64, place: &str| {
        if let Some(o) = id_of(kinds, id)
            && !knows_id(who, o)
            && !asked.contains(&id)
        {
            found.push(format!("id of {o:?} in {place}"));
        }
    };
    if answer.content_type.contains("json") {
        let value = answer.json();
        for (list, kinds) in [
            ("cases", &CASES[..]),
            ("orders", &ORDERS[..]),
            ("requests", &UNRESOLVED[..]),
            ("tasks", &[O::Rect][..]),
        ] {
            for entry in value[list].as_array().into_iter().flatten() {
                if let Some(id) = entry["id"].as_i64() {
                    check(kinds, id, list);
                }
            }
        }
    } else {
        for (links, kinds) in [
            (r#"href="/(?:workbench/)?cases/(\d+)"#, &CASES[..]),
            (
                r#"href="/(?:workbench/hotline|hotline/orders)/(\d+)"#,
                &ORDERS[..],
            ),
            (r#"href="/workbench/unresolved/(\d+)"#, &UNRESOLVED[..]),
            (r#"href="/workbench/rectifications/(\d+)"#, &[O::Rect][..]),
        ] {
            for captures in pattern(links).captures_iter(text) {
                if let Ok(id) = captures[1].parse() {
                    check(kinds, id, "a link");
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

// ---------------------------------------------------------------------------------------------
// The run

struct Cell {
    marks: String,
}

/// One request of the matrix.
struct Job {
    who: P,
    o: O,
    expected: Exp,
    url: String,
    payload: Payload,
}

/// Reads are sent a few at a time; anything else one after the other.
async fn send_all(world: &World<'_>, route: &Route, jobs: &[Job]) -> Vec<Answer> {
    let base = world.site.base.clone();
    if route.method != Method::GET {
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            answers.push(
                world
                    .caller(job.who)
                    .send_to(
                        &base,
                        route.method.clone(),
                        &job.url,
                        &route.headers,
                        &job.payload,
                    )
                    .await,
            );
        }
        return answers;
    }
    let reads = jobs
        .iter()
        .map(|job| (world.caller(job.who).clone(), job.url.clone()))
        .collect();
    read_all(&base, reads, route.headers.clone()).await
}

/// GETs, a few at a time, answered in order.
async fn read_all(
    base: &str,
    reads: Vec<(Caller, String)>,
    headers: Vec<(&'static str, &'static str)>,
) -> Vec<Answer> {
    let permits = Arc::new(tokio::sync::Semaphore::new(6));
    let mut running = tokio::task::JoinSet::new();
    let count = reads.len();
    for (index, (caller, url)) in reads.into_iter().enumerate() {
        let (base, headers, permits) = (base.to_owned(), headers.clone(), permits.clone());
        running.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("a permit");
            let answer = caller
                .send_to(&base, Method::GET, &url, &headers, &Payload::Empty)
                .await;
            (index, answer)
        });
    }
    let mut answers: Vec<Option<Answer>> = (0..count).map(|_| None).collect();
    while let Some(done) = running.join_next().await {
        let (index, answer) = done.expect("a request");
        answers[index] = Some(answer);
    }
    answers.into_iter().map(|a| a.expect("an answer")).collect()
}

async fn run_route(
    world: &World<'_>,
    route: &Route,
    failures: &mut Vec<String>,
    sent: &mut usize,
) -> Vec<Cell> {
    let fx = &world.fx;
    // What each principal sends on each object, or '.' when nothing is sent.
    let mut plan: Vec<Vec<Option<usize>>> = Vec::new();
    let mut jobs = Vec::new();
    for who in PRINCIPALS {
        let mut row = Vec::new();
        for o in &route.objects {
            let o = *o;
            let expected = (route.expect)(who, o);
            let maker = if expected == Exp::Allow {
                route.harmless
            } else {
                Some(route.attack)
            };
            row.push(maker.map(|maker| {
                jobs.push(Job {
                    who,
                    o,
                    expected,
                    url: route.url(fx, o),
                    payload: maker(fx, who, o),
                });
                jobs.len() - 1
            }));
        }
        plan.push(row);
    }
    let answers = send_all(world, route, &jobs).await;
    *sent += jobs.len();
    // Strangers (refused, with no business with the object) get what they would get for an
    // object that does not exist: the same request about a missing one, per stranger job.
    let strangers: Vec<usize> = jobs
        .iter()
        .enumerate()
        .filter(|(_, job)| {
            job.expected == Exp::Deny && !knows_id(job.who, job.o) && has_ghost(job.o)
        })
        .map(|(index, _)| index)
        .collect();
    let ghost_jobs: Vec<Job> = strangers
        .iter()
        .map(|index| {
            let job = &jobs[*index];
            Job {
                who: job.who,
                o: job.o,
                expected: job.expected,
                url: route.ghost_url(fx, job.o),
                payload: job.payload.clone(),
            }
        })
        .collect();
    let ghost_answers = send_all(world, route, &ghost_jobs).await;
    *sent += ghost_jobs.len();
    let ghosts: HashMap<usize, Answer> = strangers.into_iter().zip(ghost_answers).collect();
    let mut cells = Vec::new();
    for row in plan {
        let mut marks = String::new();
        for slot in row {
            let Some(index) = slot else {
                marks.push('.');
                continue;
            };
            let (job, answer) = (&jobs[index], &answers[index]);
            let (who, o, expected) = (job.who, job.o, job.expected);
            let got = Got::of(answer.status, &answer.location);
            if let Some(ghost) = ghosts.get(&index)
                && (ghost.status != answer.status || error_code(ghost) != error_code(answer))
            {
                failures.push(format!(
                    "{} as {:?} on {o:?}: refused with {} {}, but a missing one with {} {}: \
                     the refusal tells a stranger that it exists{}",
                    route.label(),
                    who,
                    answer.status,
                    error_code(answer),
                    ghost.status,
                    error_code(ghost),
                    excerpt(&answer.text)
                ));
                marks.push('!');
            } else if got.fits(expected) {
                marks.push(got.mark());
            } else {
                failures.push(format!(
                    "{} as {:?} on {o:?}: expected {expected:?}, got {} {}{}",
                    route.label(),
                    who,
                    answer.status,
                    answer.location,
                    excerpt(&answer.text)
                ));
                marks.push('!');
            }
            if let Some((shown_to, text)) = route.hidden {
                let shown = answer.text.contains(text);
                if shown != (shown_to(who) && got == Got::Ok) {
                    failures.push(format!(
                        "{} as {:?} on {o:?} ({}): {} {text:?}",
                        route.label(),
                        who,
                        answer.status,
                        if shown { "shows" } else { "does not show" }
                    ));
                }
            }
            if route.unscoped {
                continue;
            }
            let request = format!("{} {:?}", job.url, job.payload);
            for leak in leaks(fx, who, route, &request, answer) {
                failures.push(format!(
                    "{} as {:?} on {o:?} ({}): shows {leak}",
                    route.label(),
                    who,
                    answer.status
                ));
            }
        }
        cells.push(Cell { marks });
    }
    cells
}

/// Objects whose existence is nobody else's business.
fn has_ghost(o: O) -> bool {
    !matches!(o, O::Nil | O::Item | O::ImplLh | O::ImplXy | O::KnowPub)
}

/// The `error.code` of an API answer (empty for pages).
fn error_code(answer: &Answer) -> String {
    answer.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn excerpt(text: &str) -> String {
    let main = text.find("<main").map(|at| &text[at..]).unwrap_or(text);
    let plain = pattern(r"<[^>]+>|\s+").replace_all(main, " ");
    let short: String = plain.chars().take(160).collect();
    if short.trim().is_empty() {
        String::new()
    } else {
        format!(" — {}", short.trim())
    }
}

/// Columns on a terminal: Chinese characters take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if c as u32 >= 0x2E80 { 2 } else { 1 })
        .sum()
}

fn print_matrix(rows: &[(String, String, Vec<Cell>)]) {
    let width = rows
        .iter()
        .map(|(label, _, _)| display_width(label))
        .max()
        .unwrap_or(10);
    let mut header = format!("{:width$} {:6}", "route", "objects");
    for who in PRINCIPALS {
        header.push_str(&format!(" {:>6}", who.column()));
    }
    println!("{header}");
    for (label, objects, cells) in rows {
        let padding = width.saturating_sub(display_width(label));
        let mut line = format!("{label}{} {objects:6}", " ".repeat(padding));
        for cell in cells {
            line.push_str(&format!(" {:>6}", cell.marks));
        }
        println!("{line}");
    }
    println!(
        "marks, one per object: + 2xx, r redirect, ~ refused for its content (400/409) after the \
         access check, - 403/404, L sign in first, . not sent (state-changing, allowed, no \
         harmless variant), ! unexpected"
    );
}

page_test!(
    every_route_refuses_what_is_out_of_scope,
    |site| async move {
        let world = build_world(site).await;
        let table = routes();

        // The table covers every route there is, and nothing else.
        let covered: BTreeSet<(String, String)> = table
            .iter()
            .map(|r| (r.method.to_string(), r.path.to_owned()))
            .collect();
        let existing = source_routes();
        let documented = documented_routes(site, world.caller(P::Anon)).await;
        let mut failures = Vec::new();
        let mut missing: Vec<String> = existing
            .union(&documented)
            .filter(|route| !covered.contains(*route))
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        missing.sort();
        for route in missing {
            failures.push(format!(
            "{route}: a route without an entry in the authorisation table (crates/web/tests/authz.rs)"
        ));
        }
        for (m, p) in &covered {
            let route = (m.clone(), p.clone());
            if !existing.contains(&route) && !documented.contains(&route) {
                failures.push(format!(
                    "{m} {p}: a table entry for a route that does not exist"
                ));
            }
        }
        let mut rows = Vec::new();
        let mut sent = 0;
        let mut state = snapshot(&world).await;
        let mut order: Vec<&Route> = table.iter().collect();
        order.sort_by_key(|r| r.last);
        for route in order {
            let cells = run_route(&world, route, &mut failures, &mut sent).await;
            if route.method != Method::GET && route.last == 0 {
                let now = snapshot(&world).await;
                for change in differences(&state, &now) {
                    failures.push(format!("{} changed {change}", route.label()));
                }
                state = now;
            }
            let objects: String = route.objects.iter().map(|o| o.letter()).collect();
            rows.push((route.label(), objects, cells));
        }
        // 帮办代办: an applicant without A's consent is answered alike whether or not the ID number
        // has an account.
        let unregistered = "460106198808081233";
        for who in [P::B, P::Co] {
            let caller = world.caller(who);
            let mut seen = Vec::new();
            for id_number in [CITIZEN_A, unregistered] {
                let answer = caller
                    .send(
                        site,
                        Method::POST,
                        &format!("/items/{ITEM}/apply"),
                        &[],
                        &form(&[("region", LONGHUA), ("for", id_number)]),
                    )
                    .await;
                sent += 1;
                seen.push((answer.status, excerpt(&answer.text.replace(id_number, "…"))));
            }
            if seen[0] != seen[1] {
                failures.push(format!(
                "POST /items/{{code}}/apply for someone else as {who:?}: a registered ID number is \
                 answered {:?}, an unregistered one {:?}",
                seen[0], seen[1]
            ));
            }
        }
        print_matrix(&rows);
        let cells: usize = table
            .iter()
            .map(|r| r.objects.len() * PRINCIPALS.len())
            .sum();
        println!(
            "authorisation matrix on {:?}: {} table entries over {} routes × {} principals = {} \
             (route, principal, object) cells, {} requests sent",
            site.backend,
            table.len(),
            covered.len(),
            PRINCIPALS.len(),
            cells,
            sent
        );
        assert!(
            failures.is_empty(),
            "{} authorisation failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
);
