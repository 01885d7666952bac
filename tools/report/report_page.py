"""What build.py adds to the Allure app's page: the verdicts at the top, a bar to the pages at the foot, no analytics;
clause links that work (Allure 3.18 renders http(s) links alone: a result links to `https://report.invalid/…`, RFC
2606, that a script points at the page beside the report); scenarios in spec order (`groupOrder`; Allure's: start).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from pathlib import Path

from support.clauses import REPORT_ORIGIN, case_of_tags
from tools.common.catalogue import PlannedScenario
from tools.common.html_page import REPORT_LINKS, esc
from tools.verdicts.clause_verdict import NOT_A_SIGNOFF_RUN, ClauseVerdictRow, signoff_profile

# The report app loads Google Analytics, always; a sign-off report calls out to no one (and opens offline).
_ANALYTICS = re.compile(
    r'<script async src="https://www\.googletagmanager\.com/.*?</script>\s*<script>.*?</script>', re.S
)
_EMBEDDED_TREE = re.compile(r'd\("(widgets/(?:[^"/]+/)?tree\.json)","([A-Za-z0-9+/=]*)"\)')

# Two strips around the app: the verdicts at the top, the pages beside the report at the foot. The app's frame is as
# tall as the window, its footer at its bottom: it is made shorter by the strips' heights, measured, so that neither
# covers the app's header or footer. Colours are the app's own (its theme's variables on :root, dark mode too).
_STRIPS = """<style>
#focus-verdicts, #focus-report-pages { font: 13px system-ui, sans-serif; color: var(--color-text-primary);
  background: var(--color-bg-secondary); display: flex; flex-wrap: wrap; gap: .3rem 1rem; align-items: center;
  padding: .3rem 1rem; box-sizing: border-box; border: 0 solid var(--color-border-default); }
#focus-verdicts { border-bottom-width: 1px; }
#focus-report-pages { position: fixed; left: 0; right: 0; bottom: 0; z-index: 2147483000; border-top-width: 1px; }
#focus-verdicts a, #focus-report-pages a { color: var(--color-link-text); }
#focus-verdicts .overall { font-weight: 700; padding: .1rem .5rem; border-radius: .3rem; }
#focus-verdicts .valid { background: var(--color-intent-success-bg-subtle); color: var(--color-intent-success-text); }
#focus-verdicts .invalid { background: var(--color-intent-danger-bg-subtle); color: var(--color-intent-danger-text); }
#focus-verdicts .chip { white-space: nowrap; text-decoration: none; color: var(--color-text-secondary); }
#focus-verdicts .v-failed { color: var(--color-status-failed-text); }
#focus-verdicts .v-verified, #focus-verdicts .v-proven { color: var(--color-status-passed-text); }
#app > div:first-child { height: calc(100vh - var(--focus-top, 0px) - var(--focus-foot, 28px)) !important; }
</style>
<div id="focus-report-pages"><b>Sign-off pages:</b>LINKS</div>
<script>
(function () {
  var origin = ORIGIN, root = document.documentElement.style, run = (window.allureReportOptions || {}).runSummary;
  // The overview's time in UTC, as every other page says it (the app writes the browser's local time, no zone).
  var started = run ? new Date(run.start).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "";
  function fix() {
    document.querySelectorAll('a[href^="' + origin + '"]').forEach(function (a) {
      a.setAttribute("href", a.getAttribute("href").slice(origin.length));
      a.setAttribute("data-clause-link", "");
    });
    document.querySelectorAll('[data-testid="report-data"]').forEach(function (el) {
      var duration = el.textContent.match(/ \\([^()]*\\)$/);
      if (started && el.textContent.indexOf(started) !== 0) el.textContent = started + (duration ? duration[0] : "");
    });
    [["--focus-top", "focus-verdicts"], ["--focus-foot", "focus-report-pages"]].forEach(function (strip) {
      var height = (document.getElementById(strip[1]) || { offsetHeight: 0 }).offsetHeight + "px";
      if (root.getPropertyValue(strip[0]) !== height) root.setProperty(strip[0], height);
    });
  }
  fix();
  window.addEventListener("resize", fix);
  new MutationObserver(fix).observe(document.body, { childList: true, subtree: true,
    characterData: true, attributes: true, attributeFilter: ["href"] });
})();
</script>
"""


def verdicts_html(rows: Sequence[ClauseVerdictRow], valid: bool, profile: str) -> str:
    """The top strip: whether the run can be signed, then each clause's verdict, each linked to its traceability row."""
    if valid:
        overall = '<span class="overall valid">Fit for sign-off: every clause verified</span>'
    else:
        why = NOT_A_SIGNOFF_RUN if not signoff_profile(profile) else "a clause is failed or not verified"
        overall = f'<span class="overall invalid">Not valid for sign-off: {esc(why)}</span>'
    chips = "".join(
        f'<a class="chip v-{row.verdict.value.replace(" ", "-")}" href="traceability.html#{row.clause.anchor}" '
        f'title="{esc(row.heading)}: {esc(row.counts())}"><b>{esc(row.id)}</b> {esc(row.verdict_text)}</a>'
        for row in rows
    )
    return f'<div id="focus-verdicts">{overall}{chips}</div>'


def order_tree(tree: dict, planned: Sequence[PlannedScenario]) -> dict:
    """The tree widget with each leaf's `groupOrder` its scenario's rank in spec order, within its clause's group (one
    not planned last)."""
    order = {(s.case, s.name.strip()): n for n, s in enumerate(planned, 1)}
    for leaf in tree.get("leavesById", {}).values():
        key = (case_of_tags(leaf.get("tags", [])), str(leaf.get("name", "")).strip())
        leaf["groupOrder"] = order.get(key, len(order) + 1)
    return tree


def finish(folder: Path, planned: Sequence[PlannedScenario], verdicts: str) -> None:
    """A generated report made ours: its index with the strips and no analytics, its trees (widgets, or those a
    single file embeds) in spec order."""
    for path in folder.glob("widgets/**/tree.json"):
        tree = order_tree(json.loads(path.read_text(encoding="utf-8")), planned)
        path.write_text(json.dumps(tree, ensure_ascii=False), encoding="utf-8")

    def embedded(match: re.Match[str]) -> str:
        tree = order_tree(json.loads(base64.b64decode(match[2])), planned)
        return f'd("{match[1]}","{base64.b64encode(json.dumps(tree, ensure_ascii=False).encode()).decode()}")'

    index = folder / "index.html"
    text = _EMBEDDED_TREE.sub(embedded, _ANALYTICS.sub("", index.read_text(encoding="utf-8")))
    text = text.replace("<body>", "<body>" + verdicts, 1)
    pages = {name: href for name, href in REPORT_LINKS.items() if href != "index.html"}
    links = "".join(f'<a href="{esc(href)}" data-page="{esc(href)}">{esc(name)}</a>' for name, href in pages.items())
    bar = _STRIPS.replace("LINKS", links).replace("ORIGIN", json.dumps(REPORT_ORIGIN))
    index.write_text(text.replace("</body>", bar + "</body>", 1), encoding="utf-8")
    widgets = folder / "widgets"  # asked for by the app even when absent (a 404 in the served report's console)
    if widgets.is_dir() and not (widgets / "metrics.json").exists():
        (widgets / "metrics.json").write_text("[]", encoding="utf-8")
