// Prints each failed test's first error lines from Playwright's JSON report, so that the end of
// a long run says what went wrong without scrolling back.
import { readFileSync } from "node:fs";

const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
const strip = (text) => text.replace(/\u001b\[[0-9;]*m/g, "");

function* specs(suite) {
  for (const spec of suite.specs ?? []) yield spec;
  for (const child of suite.suites ?? []) yield* specs(child);
}

for (const suite of report.suites ?? []) {
  for (const spec of specs(suite)) {
    for (const test of spec.tests) {
      for (const result of test.results) {
        if (result.status === "passed" || result.status === "skipped") continue;
        const error = strip(result.error?.message ?? result.status).split("\n").slice(0, 4).join("\n    ");
        console.log(`- ${spec.file}: ${spec.title} (${result.status}, ${result.duration} ms)\n    ${error}`);
      }
    }
  }
}
