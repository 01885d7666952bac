// Allure 3 configuration of the sign-off report; tools/report/build.py runs `allure generate` with it.
// Paths come from the environment so that tests can generate a report elsewhere (defaults: the reports/ folder).
const env = process.env;

const awesome = (singleFile) => ({
  import: "@allurereport/plugin-awesome",
  options: {
    reportName: env.FOCUS_REPORT_NAME ?? "Focus Server acceptance",
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

export default {
  name: env.FOCUS_REPORT_NAME ?? "Focus Server acceptance",
  // Survives between runs (reports/ is cleared of results only): the trend charts and per-scenario history.
  historyPath: env.FOCUS_REPORT_HISTORY ?? "reports/history/history.jsonl",
  // The traceability page, the living documentation and the clarifications travel inside the report too.
  globalAttachments: (env.FOCUS_REPORT_PAGES ?? "reports/pages").split(",").map((dir) => `${dir}/*.html`),
  // Decided by the type of what a scenario raised, never by its message (see `filedAs` above).
  categories: {
    rules: [
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
      {
        id: "not-run",
        name: "Not run (skipped: left out, not offered, or its process ended early)",
        matchers: (d) => d.status === "skipped",
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
  plugins: {
    awesome: awesome(false),
    single: awesome(true),
  },
};
