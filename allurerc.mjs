// Allure 3 configuration of the sign-off report; tools/report.py runs `allure generate` with it.
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
    // them in: tools/report_page.py sets the tree's order after generation.
    defaultSortBy: "order,asc",
  },
});

export default {
  name: env.FOCUS_REPORT_NAME ?? "Focus Server acceptance",
  // Survives between runs (reports/ is cleared of results only): the trend charts and per-scenario history.
  historyPath: env.FOCUS_REPORT_HISTORY ?? "reports/history/history.jsonl",
  // The traceability page, the living documentation and the clarifications travel inside the report too.
  globalAttachments: (env.FOCUS_REPORT_PAGES ?? "reports/pages").split(",").map((dir) => `${dir}/*.html`),
  // First match wins: a failed assertion on the target, then the two broken kinds (environment before suite).
  categories: {
    rules: [
      {
        id: "product-defect",
        name: "Product defect",
        matchers: { statuses: ["failed"] },
        groupBy: [{ label: "spec" }],
      },
      {
        id: "broken-environment",
        name: "Broken environment",
        matchers: { statuses: ["broken"], message: "TargetUnreachable|PreconditionNotMet" },
      },
      {
        id: "suite-defect",
        name: "Suite defect",
        matchers: { statuses: ["broken"] },
      },
    ],
  },
  plugins: {
    awesome: awesome(false),
    single: awesome(true),
  },
};
