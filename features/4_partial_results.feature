Feature: 4 Partial results in history playback

  > 1. No recordings in time range → Fail-fast
  > Returns error immediately if no recordings exist
  > 2. Recordings with gaps → Partial results with holes
  > Returns available data with gaps in the middle

  Each window is found in the target's own recordings: the example's shape where they hold it, else the smallest
  shape that still shows the clause. Recordings holding neither leave the clause not verified, saying what is
  missing, never passed. The times in the titles are the examples'; the windows found share their shape, not their
  clock times.

  A recording counts as covered when rows come from its first to its last second, no two over 2 seconds apart.
  Over the job API history plays at recording pace, so a window holds at most two thirds of the stream limit of
  recording. A stream cut early is judged by what came before the cut; only when that agrees with the clause
  does the scenario say it could not judge, the cut being clause 2.1's business.

  @spec-4.1 @case-no-recordings-task-fails-fast @api-task
  Scenario: No recordings in the window (like 250101000000-250101010000): the task API refuses at once with 400
    > | Scenario | Behavior | HTTP Status | Response |
    > | No recordings in range | Fail-fast | 400 Bad Request | Error message |
    > Verify fail-fast when no recordings exist in time range.
    > Expected: 400 Bad Request with clear error message
    "At once" is taken as under 2 seconds, from the request to the whole answer. A refused task must not exist.
    Given a history window of 60 minutes with no recording at all
    When I configure a history task for the window
    Then the configuration is refused with 400 and a message containing "no recordings"
    And the refusal came at once, in under 2 seconds
    And no task was left behind: its waterfall answers 404

  @spec-4.1 @case-no-recordings-job-fails-fast @api-job
  Scenario: No recordings in the window: the job API refuses at once with 400 as well
    > | Scenario | Behavior | HTTP Status | Response |
    > | No recordings in range | Fail-fast | 400 Bad Request | Error message |
    > Returns error immediately if no recordings exist
    A refused job has no id: whether one was left behind cannot be seen.
    Given a history window of 60 minutes with no recording at all
    When I configure a history job for the window
    Then the configuration is refused with 400 and a message containing "no recordings"
    And the refusal came at once, in under 2 seconds

  @spec-4.2 @case-complete-coverage-full-results @api-task
  Scenario: A window covered completely by recordings: rows for all of it, no gap over 2,000 ms, then 208
    > | Scenario | Behavior | HTTP Status | Response |
    > | Complete coverage | Full results | 200/201 | All data |
    > Verify full results when recordings cover entire time range.
    > Expected: 200/201 with complete data stream
    > gaps = find_temporal_gaps(timestamps, threshold_ms=2000)
    Given a history window covered completely by recordings
    When I configure a history task for the window
    Then the task configuration is accepted
    When I read the task's waterfall to the end of the stream
    Then the waterfall answered 201 with rows
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And the stream ended with 208

  @spec-4.3 @case-partial-coverage-hole @api-task
  Scenario: Recording 10:00–10:05, gap, recording 10:10–10:15: rows from both, the hole only where it is, then 208
    > 2. Recordings with gaps → Partial results with holes
    > Returns available data with gaps in the middle
    > | Scenario | Behavior | HTTP Status | Response |
    > | Partial coverage (gaps) | Partial results | 200/201 | Data with temporal holes |
    > # Recording 1: 10:00:00 - 10:05:00
    > # GAP:        10:05:00 - 10:10:00 (5 minutes missing)
    > # Recording 2: 10:10:00 - 10:15:00
    The window holds one hole, at most 5 minutes of recording on each side; the hole must show where the
    recordings have it, give or take 2 seconds at either edge, and nowhere else.
    Given a history window with a hole of more than 60 seconds between two recordings
    When I configure a history task for the window
    Then the task configuration is accepted
    When I read the task's waterfall to the end of the stream
    Then the waterfall answered 201 with rows
    And the rows have a hole of more than 60 seconds where the catalogue has one, and nowhere else
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And the stream ended with 208

  @spec-4.4 @case-recording-at-start-only @api-task
  Scenario: Recording 10:00–10:05 in a 10:00–10:30 window: rows until 10:05, then 208 and nothing after
    > Test scenario where only start of time range has recordings.
    > - Recording: 10:00 - 10:05
    > - Requested: 10:00 - 10:30
    > - Expected: Data until 10:05, then no more data (EOS)
    After the end of the stream, nothing more may come.
    Given a history window with a recording at its start only
    When I configure a history task for the window
    Then the task configuration is accepted
    When I read the task's waterfall to the end of the stream
    Then the waterfall answered 201 with rows
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And the stream ended with 208
    And nothing came after the end of the stream

  @spec-4.5 @case-recording-in-middle-only @api-task
  Scenario: Recording 10:10–10:15 in a 10:00–10:30 window: rows only from 10:10 to 10:15, then 208
    > Test scenario where only middle of time range has recordings.
    > - Requested: 10:00 - 10:30
    > - Recording: 10:10 - 10:15 (middle only)
    > - Expected: Data from 10:10-10:15, then EOS
    Where no recording fits in one window, two windows on one recording: window 1 its start after nothing, window 2
    its end before nothing, each judged alike.
    Given a history window with a single recording in its middle, or two windows with its start and its end
    When I configure a history task for the window
    Then the task configuration is accepted
    When I read the task's waterfall to the end of the stream
    Then the waterfall answered 201 with rows
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And the stream ended with 208
    And nothing came after the end of the stream

  @spec-4.6 @case-no-strict-mode-best-effort @api-task
  Scenario: There is no strict mode: a window with a hole is served best effort, not refused
    > No explicit "Strict" or "Best-Effort" modes exist.
    > There is NO "Strict" vs "Best-Effort" mode - only the behavior above.
    > Current Behavior is "Best-Effort" by Default:
    > - Returns whatever data is available
    > - Does not fail if gaps exist
    > - Only fails if NO data exists at all
    The request names the window and nothing else (no mode exists): what the target does is its default. Best
    effort means the window is accepted despite its hole and all its recorded data comes back.
    Given a history window with a hole of more than 60 seconds between two recordings
    When I configure a history task for the window
    Then the task configuration is accepted
    When I read the task's waterfall to the end of the stream
    Then all the recorded time of the window came back, with no gap over 2000 ms inside a recording

  @spec-4.2 @case-complete-coverage-full-results-job @api-job @slow
  Scenario: Over the job API, a window covered completely: rows for all of it, no gap over 2,000 ms, then the end
    > | Scenario | Behavior | HTTP Status | Response |
    > | Complete coverage | Full results | 200/201 | All data |
    > Verify full results when recordings cover entire time range.
    > gaps = find_temporal_gaps(timestamps, threshold_ms=2000)
    Given a history window covered completely by recordings, holding at most two thirds of the stream limit
    When I configure a history job for the window
    Then the job configuration is accepted
    When I read the job's stream to its end
    Then the stream brought rows
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And every second of the window's recorded time has at least one row
    And the stream ended with status OK once the last recorded instant had come

  @spec-4.3 @case-partial-coverage-hole-job @api-job @slow
  Scenario: Over the job API, the end of a recording, the hole, the start of the next: the hole only where it is
    > 2. Recordings with gaps → Partial results with holes
    > Returns available data with gaps in the middle
    > | Scenario | Behavior | HTTP Status | Response |
    > | Partial coverage (gaps) | Partial results | 200/201 | Data with temporal holes |
    > # GAP:        10:05:00 - 10:10:00 (5 minutes missing)
    > gaps = find_temporal_gaps(timestamps, threshold_ms=60000)  # 1 minute threshold
    Given a history window with a hole of more than 60 seconds between two recordings, a third of the limit of each
    When I configure a history job for the window
    Then the job configuration is accepted
    When I read the job's stream to its end
    Then the stream brought rows
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And the rows have a hole of more than 60 seconds where the catalogue has one, and nowhere else
    And the stream ended with status OK once the last recorded instant had come

  @spec-4.4 @case-recording-at-start-only-job @api-job @slow
  Scenario: Over the job API, a recording at the window's start only: rows until it ends, then the end, nothing after
    > - Expected: Data until 10:05, then no more data (EOS)
    Given a history window with a recording at its start only, holding at most two thirds of the stream limit of it
    When I configure a history job for the window
    Then the job configuration is accepted
    When I read the job's stream to its end
    Then the stream brought rows
    And no row came after the last recorded instant
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And every second of the window's recorded time has at least one row
    And the stream ended with status OK once the last recorded instant had come

  @spec-4.5 @case-recording-in-middle-only-job @api-job @slow
  Scenario: Over the job API, a recording in the window's middle: rows only from it, then the end
    > - Expected: Data from 10:10-10:15, then EOS
    As over the task API: one window, or two on one recording (its start, then its end), each judged alike.
    Given a history window with a single recording in its middle, or two windows with its start and its end, each under the stream limit
    When I configure a history job for the window
    Then the job configuration is accepted
    When I read the job's stream to its end
    Then the stream brought rows
    And no row came after the last recorded instant
    And the rows cover the recorded time of the window with no gap over 2000 ms and no row outside it
    And every second of the window's recorded time has at least one row
    And the stream ended with status OK once the last recorded instant had come

  @spec-4.6 @case-no-strict-mode-best-effort-job @api-job @slow
  Scenario: Over the job API there is no strict mode either: a window with a hole is served best effort
    > Current Behavior is "Best-Effort" by Default:
    > - Returns whatever data is available
    > - Does not fail if gaps exist
    Given a history window with a hole of more than 60 seconds between two recordings, a third of the limit of each
    When I configure a history job for the window
    Then the job configuration is accepted
    When I read the job's stream to its end
    Then all the recorded time of the window came back, with no gap over 2000 ms inside a recording
