"""What build.py adds to the Allure app's page (folder and single file): the verdicts at the top, a bar to the pages
at the foot; the clause links working (Allure 3.18 renders http(s) links alone: each result links to
`https://report.invalid/clarifications.html#…`, RFC 2606, and a script points it at the page beside the report);
each clause group named with its verdict, scenarios in spec order (the tree's `groupOrder`; Allure's: start order).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from support.clauses import BY_ID, CLAUSES, REPORT_ORIGIN, case_of_tags
from tools.common.catalogue import PlannedScenario
from tools.common.html_page import REPORT_LINKS, esc
from tools.verdicts.clause_verdict import NOT_A_SIGNOFF_RUN, ClauseVerdictRow, signoff_profile

MARKER = "focus-report-pages"
VERDICTS_ID = "focus-verdicts"
VERDICT_SEPARATOR = " · "

# Two strips around the app: the verdicts at the top, the pages beside the report at the foot. The app's frame is as
# tall as the window, its footer at its bottom: it is made shorter by the strips' heights, measured, so that neither
# covers the app's header or footer. Colours follow the app's theme (`data-theme` on <html>), dark mode too.
_STRIPS = """<style>
#focus-verdicts, #focus-report-pages { --fg: #1f2937; --bg: #f5f3ff; --line: #c4b5fd; --link: #5b21b6;
  --failed: #b91c1c; --not: #4b5563; --ok: #15803d; --ok-bg: #dcfce7; --ok-fg: #166534; --no-bg: #fee2e2;
  --no-fg: #991b1b; font: 13px system-ui, sans-serif; color: var(--fg); background: var(--bg); display: flex;
  flex-wrap: wrap; gap: .3rem 1rem; align-items: center; padding: .3rem 1rem; box-sizing: border-box; }
html[data-theme="dark"] #focus-verdicts, html[data-theme="dark"] #focus-report-pages { --fg: #e5e7eb; --bg: #1e1b2e;
  --line: #4c1d95; --link: #c4b5fd; --failed: #fca5a5; --not: #d1d5db; --ok: #86efac; --ok-bg: #14532d;
  --ok-fg: #dcfce7; --no-bg: #7f1d1d; --no-fg: #fee2e2; }
#focus-verdicts { border-bottom: 1px solid var(--line); }
#focus-report-pages { position: fixed; left: 0; right: 0; bottom: 0; z-index: 2147483000;
  border-top: 1px solid var(--line); }
#focus-verdicts a, #focus-report-pages a { color: var(--link); }
#focus-verdicts .overall { font-weight: 700; padding: .1rem .5rem; border-radius: .3rem; }
#focus-verdicts .overall.valid { background: var(--ok-bg); color: var(--ok-fg); }
#focus-verdicts .overall.invalid { background: var(--no-bg); color: var(--no-fg); }
#focus-verdicts .chip { white-space: nowrap; text-decoration: none; }
#focus-verdicts .v-failed { color: var(--failed); } #focus-verdicts .v-not-verified { color: var(--not); }
#focus-verdicts .v-verified, #focus-verdicts .v-proven { color: var(--ok); }
#app > div:first-child { height: calc(100vh - var(--focus-top, 0px) - var(--focus-foot, 28px)) !important; }
</style>
<div id="focus-report-pages"><b>Sign-off pages:</b>LINKS</div>
<script>
(function () {
  var origin = ORIGIN, started = STARTED, root = document.documentElement.style;
  function fix() {
    document.querySelectorAll('a[href^="' + origin + '"]').forEach(function (a) {
      a.setAttribute("href", a.getAttribute("href").slice(origin.length));
      a.setAttribute("data-clause-link", "");
    });
    // The overview's time in UTC, as every other page says it (the app writes the browser's local time, no zone).
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


def bar_html(started_utc: str | None = None) -> str:
    pages = {name: href for name, href in REPORT_LINKS.items() if href != "index.html"}
    links = "".join(f'<a href="{esc(href)}" data-page="{esc(href)}">{esc(name)}</a>' for name, href in pages.items())
    filled = _STRIPS.replace("LINKS", links).replace("ORIGIN", json.dumps(REPORT_ORIGIN))
    return filled.replace("STARTED", json.dumps(started_utc or ""))


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
    return f'<div id="{VERDICTS_ID}">{overall}{chips}</div>'


def first_start_utc(results: Path) -> str | None:
    """When the run's first scenario started, in UTC: the time the report's overview shows."""
    starts = [json.loads(p.read_text(encoding="utf-8")).get("start") for p in results.glob("*-result.json")]
    starts = [start for start in starts if isinstance(start, int)]
    return datetime.fromtimestamp(min(starts) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if starts else None


def decorate(index: Path, started_utc: str | None = None, verdicts: str = "") -> None:
    """The verdicts strip at the top of the body, the pages bar and the clause-link script at its end, once."""
    text = index.read_text(encoding="utf-8")
    if MARKER not in text:
        text = re.sub(r"(<body[^>]*>)", lambda m: m[1] + verdicts, text, count=1)
        text = text.replace("</body>", bar_html(started_utc) + "</body>", 1)
    index.write_text(text, encoding="utf-8")


def order_tree(tree: dict, planned: Sequence[PlannedScenario], verdicts: dict[str, str]) -> dict:
    """The tree widget with each leaf's `groupOrder` its scenario's rank in spec order (one not planned after its
    clause's planned ones), and each clause group named with its verdict ("4.3 Scenario 3: … · verified")."""
    clause_rank = {clause.id: n for n, clause in enumerate(CLAUSES)}
    ranked = sorted(enumerate(planned), key=lambda x: (clause_rank.get(x[1].spec or "", len(CLAUSES)), x[0]))
    order = {(s.case, s.name.strip()): rank + 1 for rank, (_, s) in enumerate(ranked)}
    for group in tree.get("groupsById", {}).values():
        clause_id = str(group.get("name", "")).split(" ", 1)[0]
        if clause_id in verdicts and VERDICT_SEPARATOR not in group["name"]:
            group["name"] += VERDICT_SEPARATOR + verdicts[clause_id]
    for leaf in tree.get("leavesById", {}).values():
        tags = leaf.get("tags", [])
        spec = next((tag[5:] for tag in tags if tag.startswith("spec-")), None)
        unplanned = len(order) + 1 + (list(BY_ID).index(spec) if spec in BY_ID else len(BY_ID))
        leaf["groupOrder"] = order.get((case_of_tags(tags), str(leaf.get("name", "")).strip()), unplanned)
    return tree


_EMBEDDED_TREE = re.compile(r'd\("(widgets/(?:[^"/]+/)?tree\.json)","([A-Za-z0-9+/=]*)"\)')


def order_report(folder: Path, planned: Sequence[PlannedScenario], verdicts: dict[str, str]) -> None:
    """Spec order and clause verdicts in a generated report: its tree widgets, or the trees a single file embeds."""
    for path in folder.glob("widgets/**/tree.json"):
        tree = order_tree(json.loads(path.read_text(encoding="utf-8")), planned, verdicts)
        path.write_text(json.dumps(tree, ensure_ascii=False), encoding="utf-8")

    def embedded(match: re.Match[str]) -> str:
        tree = order_tree(json.loads(base64.b64decode(match[2])), planned, verdicts)
        return f'd("{match[1]}","{base64.b64encode(json.dumps(tree, ensure_ascii=False).encode()).decode()}")'

    index = folder / "index.html"
    index.write_text(_EMBEDDED_TREE.sub(embedded, index.read_text(encoding="utf-8")), encoding="utf-8")
    widgets = folder / "widgets"  # asked for by the app even when absent (a 404 in the served report's console)
    if widgets.is_dir() and not (widgets / "metrics.json").exists():
        (widgets / "metrics.json").write_text("[]", encoding="utf-8")
