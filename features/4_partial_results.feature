Feature: 4 Partial results in history playback

  > 1. No recordings in time range → Fail-fast
  > Returns error immediately if no recordings exist
  > 2. Recordings with gaps → Partial results with holes
  > Returns available data with gaps in the middle

  Every window is found in the target's own recordings catalogue (POST /recordings_in_time_range), inside the
  search window of the settings (FOCUS_HISTORY_FROM .. FOCUS_HISTORY_TO), and the catalogue's answer for the window
  is attached. Each clause is judged on the clarification's example shape where the catalogue holds it, else on
  the smallest shape that still shows the clause's behaviour (4.3, 4.6: a hole of more than 60 s with recorded time
  on both sides; 4.4: the end of a recording followed by uncovered time; 4.5: a recording preceded and followed by
  uncovered time, in two windows when no recording is short enough for one); the report says which and why. Where
  the catalogue holds neither, the scenario ends broken ("precondition not met", not verified) saying what the
  catalogue lacks, never passed; `make windows` says it before any run. The times in the titles are the
  clarifications' own timelines; the windows found have the same shape, not necessarily the same clock times.

  History is read over the task API: POST /config/{task_id} with the window (yymmddHHMMSS, UTC), then
  GET /waterfall/{task_id}/500 until 208, with no pause after an answer that brought rows. Row spacing is the
  target's choice; the contract promises at least one row per second of recorded time, so a recording counts as
  covered when its first and last rows lie within 2 s of its edges and no two rows inside it are over 2,000 ms
  apart. The read gives up 60 s after it starts, or 5 s after the rows have reached the last recorded instant
  without a 208. Each scenario attaches a picture of the waterfall received, with the catalogue's recordings and
  the holes seen, the waterfall's status sequence and the gaps found.

  Over the job API (the deployed server's) history is a job (POST /configure, epoch seconds) read over its gRPC
  stream: the rows are the frames' timestamp_in_milis, and the end of stream (the waterfall's 208) is the stream
  ending with status OK once the last recorded instant has come. History plays at recording pace and a stream lives
  for the stream limit (180 s), so each window holds at most two thirds of the limit of recorded data (120 s; for
  a hole: a third of the limit of one recording, the hole, a third of the next); they run as @slow scenarios. A
  stream the server cuts with DEADLINE_EXCEEDED before such a window's data ran out is judged by what came before
  the cut: rows where the catalogue records nothing (outside the window, inside a hole), or a recorded part that
  came late, short or with a gap, fail the scenario, the cut named beside them; only when what came agrees with
  the clause was the stream cut by a wrong limit, clause 2.1's business, and the scenario says it could not judge
  its clause (broken). The same pictures and gap tables are attached. Each rendering runs where its API is
  offered; on a target offering both, both run.

  @spec-4.1 @case-no-recordings-task-fails-fast @api-task
  Scenario: No recordings in the window (like 250101000000-250101010000): the task API refuses at once with 400
    > | Scenario | Behavior | HTTP Status | Response |
    > | No recordings in range | Fail-fast | 400 Bad Request | Error message |
    > Verify fail-fast when no recordings exist in time range.
    > Expected: 400 Bad Request with clear error message
    "At once" is taken here as under 2 seconds from sending the request to the whole answer; the time measured is
    attached. A refused task must not exist afterwards: its waterfall answers 404 (unknown task).
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
    The deployed server speaks the job API (POST /configure, epoch seconds); the contract gives it the same
    refusal. A refused job has no id, so whether one was left behind cannot be observed here.
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
    The window runs from the first recording's start to the second's end (at most 5 minutes of each), so that it
    holds exactly one hole of the catalogue. Inside the recordings the rows stay continuous (no gap over 2,000 ms);
    the hole over 60 s must be seen where the catalogue has it, give or take 2 s at either edge, and nowhere else.
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
    Like the example, the window starts where a recording starts and runs 30 minutes; the recording ends at least a
    minute before the window does, and no other recording lies within a minute of the window; else the smallest
    shape (a third of the stream limit of a recording to its end, then as long with nothing). After the 208 one
    more poll must bring no rows.
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
    Like the example, the window runs 30 minutes with one recording strictly inside it (at least a minute of
    nothing before and after it), placed like the clarification's where the catalogue leaves room; else the
    smallest shape: one window around a recording with nothing on either side, or two on one long recording (its
    start after nothing, its end before nothing), each judged alike.
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
    The request carries the window and nothing else (no mode field: none exists), so whatever the target does is
    its default. Best effort by default means: the window is accepted although the catalogue has a hole in it, and
    all of the recorded data comes back. Where the hole shows and how the stream ends are clause 4.3's business.
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
    Like the example, 30 minutes starting at most two thirds of the limit before a recording ends, with no other
    recording within a minute; else the smallest shape: a third of the limit of the recording up to its end, then a
    third of the limit with nothing recorded.
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
    Like the example, 30 minutes with one recording of at most two thirds of the limit inside; else one window of
    a third of the limit of nothing, the recording, a third of the limit of nothing; else, when no recording is
    that short, two windows on one recording: nothing then its start (no row before it), its end then nothing (no
    row after it, then the end). Each window is judged alike.
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
