// Allure 3 configuration of the sign-off report; tools/report/build.py runs `allure generate` with it, on the copy of
// the results that tools/report/results_view.py prepares.
// Paths come from the environment so that tests can generate a report elsewhere (defaults: the reports/ folder).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const env = process.env;
const name = "Focus Server acceptance";

// The known defects of this run (docs/known-defects.yaml, matched by tools/verdicts/clause_verdict.py) as Allure's own
// resolutions: each failure keeps its status and shows its Jira issue. None: no `resolutions` at all.
const known = env.FOCUS_REPORT_RESOLUTIONS ? JSON.parse(readFileSync(env.FOCUS_REPORT_RESOLUTIONS, "utf8")) : null;
const resolutions =
  known && known.rules.length
    ? { resolutions: { ...known, knownIssuesPath: join(dirname(env.FOCUS_REPORT_RESOLUTIONS), "known-issues.json") } }
    : {};
// The run's SLA figures (tools/report/metrics.py): `performance` (Metrics section) and `qualityGate` (their limits).
const sla = env.FOCUS_REPORT_SLA ? JSON.parse(readFileSync(env.FOCUS_REPORT_SLA, "utf8")) : {};

const awesome = (singleFile) => ({
  import: "@allurereport/plugin-awesome",
  options: {
    reportName: name,
    singleFile,
    // One group per clause of the clarifications, "<id> <heading>" (label `clause`, set beside `spec` by
    // support/allure_formatter.py); clause ids sort in spec order (1.1 < 1.2 < 2.1 ... < 4.6).
    groupBy: ["clause"],
    // Clause groups in spec order and scenarios in feature order, whatever order the parallel behave processes ran
    // them in: tools/report/report_page.py sets the tree's order after generation.
    defaultSortBy: "order,asc",
  },
});

// Where a red result is filed, as tools/common/results.py files it: the label `outcome` that the Allure formatter gives it
// from the type of what the scenario raised (support/errors.py's one table, over the type's whole hierarchy, named
// in the labels `exception`); a red result without one (not written by our formatter) by its status: failed (an
// assertion, for allure-behave) is a product defect, broken a suite defect.
const red = (d) => d.status === "failed" || d.status === "broken";
const filedAs = (d) =>
  d.labels.find((label) => label.name === "outcome")?.value ?? (d.status === "failed" ? "product defect" : "suite defect");
// Why a result is skipped, as tools/report/results_view.py labels it: not offered, not run, process ended.
const skippedAs = (d) => d.status === "skipped" && (d.labels.find((label) => label.name === "skipped_as")?.value ?? "not run");

export default {
  name,
  // Survives between runs (reports/ is cleared of results only): the trend charts and per-scenario history.
  historyPath: env.FOCUS_REPORT_HISTORY ?? "reports/history/history.jsonl",
  // The traceability page, the living documentation and the clarifications travel inside the report too.
  globalAttachments: (env.FOCUS_REPORT_PAGES ?? "reports/pages").split(",").map((dir) => `${dir}/*.html`),
  // Decided by the type of what a scenario raised, never by its message (see `filedAs` above).
  categories: {
    rules: [
      // A known defect is a product defect still (the clause stays failed); it is filed apart, by its Jira key.
      {
        id: "known-defect",
        name: "Product defect, known (docs/known-defects.yaml)",
        matchers: (d) => red(d) && filedAs(d) === "product defect" && d.labels.some((l) => l.name === "known_defect"),
        groupBy: [{ label: "known_defect" }],
      },
      {
        id: "product-defect",
        name: "Product defect",
        matchers: (d) => red(d) && filedAs(d) === "product defect",
        groupBy: [{ label: "spec" }],
      },
      {
        id: "broken-environment",
        name: "Broken environment",
        matchers: (d) => red(d) && filedAs(d) === "broken environment",
      },
      {
        id: "suite-defect",
        name: "Suite defect",
        matchers: (d) => red(d) && filedAs(d) === "suite defect",
      },
      // Allure lists only the categories a result falls in: on a green run the three above are absent, and a reader
      // sent here by docs/reading-the-report.md would find an empty tab. These two say what the rest is.
      // Skips, each kind in its own category: none is a verdict on the product.
      {
        id: "not-offered",
        name: "Not offered: the target offers no API for it (counted neither way)",
        matchers: (d) => skippedAs(d) === "not offered",
        groupBy: [{ label: "spec" }],
      },
      {
        id: "process-ended",
        name: "Process ended early: its behave process stopped before it (not verified)",
        matchers: (d) => skippedAs(d) === "process ended",
        groupBy: [{ label: "spec" }],
      },
      {
        id: "not-run",
        name: "Not run: left out by the profile, or skipped (not verified)",
        matchers: (d) => skippedAs(d) === "not run",
        groupBy: [{ label: "spec" }],
      },
      {
        id: "no-defect",
        name: "Passed: no product defect, no broken environment, no suite defect",
        matchers: (d) => d.status === "passed",
        groupBy: [{ label: "spec" }],
      },
    ],
  },
  ...resolutions,
  ...sla,
  plugins: {
    awesome: awesome(false),
    single: awesome(true),
  },
};
