//! JUnit XML for CI systems (GitHub, GitLab and Jenkins render it): `simlab test` as one
//! test case per scenario, `compare --baseline` as one per grid row and gated metric.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::gate::GateReport;

/// One scenario's verdict in `simlab test`.
pub struct TestVerdict {
    /// Catalog name or file.
    pub name: String,
    /// What it declares (`ok`, `safety_violation`, ...).
    pub expect: String,
    /// Outcome counts, e.g. `ok=20 safety_violation=1`.
    pub outcomes: String,
    /// Declared metric values a run missed (`[expect_metrics]`), one line each.
    pub misses: Vec<String>,
    /// Whether the expectation held.
    pub pass: bool,
}

fn xml(report: &Report) -> Result<String, String> {
    report
        .to_string()
        .map_err(|e| format!("writing JUnit XML: {e}"))
}

/// `simlab test` as JUnit XML.
pub fn test(verdicts: &[TestVerdict]) -> Result<String, String> {
    let mut suite = TestSuite::new("simlab test");
    for v in verdicts {
        let status = if v.pass {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(format!("expected {}, got {}", v.expect, v.outcomes));
            if !v.misses.is_empty() {
                s.set_description(v.misses.join("\n"));
            }
            s
        };
        let mut case = TestCase::new(v.name.clone(), status);
        case.set_classname("simlab.scenario");
        suite.add_test_case(case);
    }
    let mut report = Report::new("simlab");
    report.add_test_suite(suite);
    xml(&report)
}

/// `compare --baseline` as JUnit XML: a failure per regression, a pass for every other
/// gated metric at every grid row.
pub fn gate(scenario: &str, r: &GateReport, rows: &[String]) -> Result<String, String> {
    let mut suite = TestSuite::new(format!("simlab compare {scenario}"));
    for row in rows {
        for m in &r.metrics {
            let failed = r
                .regressions
                .iter()
                .find(|g| &g.metric == m && &params_key(&g.params) == row);
            let status = match failed {
                None => TestCaseStatus::success(),
                Some(g) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(g.line());
                    s
                }
            };
            let mut case = TestCase::new(format!("{m} [{row}]"), status);
            case.set_classname(format!("simlab.compare.{scenario}"));
            suite.add_test_case(case);
        }
    }
    let mut report = Report::new("simlab");
    report.add_test_suite(suite);
    xml(&report)
}

/// A grid row as `k=v k=v`, the form test case names use.
pub fn params_key(p: &std::collections::BTreeMap<String, String>) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}
