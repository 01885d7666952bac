// `allure generate` with the quality gate judged. Allure 3.18 judges its gate in `allure run` alone (the results reach
// the report through the run's dispatcher); this makes the same calls on results already written, with Allure's own
// API. A rule that trips is a finding shown in the report: the build still succeeds.
// node tools/report/generate.mjs <config> <output> <results>
import { AllureReport, readConfig } from "@allurereport/core";

// The gate's code calls Iterator.prototype.toArray, which Node has from version 22; this machine's Node is 20.
const iterators = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
iterators.toArray ??= function toArray() {
  return [...this];
};

const [config, output, results] = process.argv.slice(2);
const report = new AllureReport(await readConfig(process.cwd(), config, { output }));
await report.start();
await report.readDirectory(results);
if (report.hasQualityGate) {
  const trs = await report.store.allTestResults({ includeRetries: false });
  const { results: judged } = await report.validate({ trs });
  // The rules that tripped: a passed metric rule has no message of its own in 3.18 (it reads "[object Object]").
  report.realtimeDispatcher.sendQualityGateResults(judged.filter((result) => !result.success));
}
await report.done();
