Feature: 2.2 Metadata is quick, call after call

  > Official Answer:
  > "Metadata collect time is supposed to be quick" (no specific value given)
  > Recommendation:
  > Since no specific SLA was provided, propose reasonable thresholds based on best practices:
  > | Operation | Proposed SLA | Justification |
  > GET /live_metadata | < 1 second | Simple metadata retrieval
  > GET /metadata/{task_id} | < 2 seconds | May require task lookup
  > GET /sensors | < 1 second | Static configuration data

  One lucky call proves nothing: each is asked 20 times in a row and judged on its 95th percentile, so one slow
  answer in 20 is tolerated and two are not. A quick error is no quick metadata: every answer must be the one the
  contract promises.

  On the job API, which the deployed server offers, a job's metadata and the channel range stand in for a task's
  metadata (a lookup, under 2 s) and the sensor list (static data, under 1 s).

  @spec-2.2 @case-live-metadata-quick
  Scenario: The live metadata answers in under 1 second
    When I ask for the live metadata 20 times
    Then the 95th percentile of those calls is under 1 s

  @spec-2.2 @case-task-metadata-quick @api-task
  Scenario: A configured task's metadata answers in under 2 seconds
    Given a configured live task whose metadata is ready
    When I ask for the task's metadata 20 times
    Then the 95th percentile of those calls is under 2 s

  @spec-2.2 @case-sensors-quick @api-task
  Scenario: The sensor list answers in under 1 second
    When I ask for the sensors 20 times
    Then the 95th percentile of those calls is under 1 s

  @spec-2.2 @case-job-metadata-quick @api-job
  Scenario: A configured job's metadata (GET /metadata/{job_id}) answers in under 2 seconds
    Given a live job whose stream is being read
    When I ask for the job's metadata 20 times
    Then the 95th percentile of those calls is under 2 s

  @spec-2.2 @case-channels-quick @api-job
  Scenario: The channel range (GET /channels) answers in under 1 second
    When I ask for the channels 20 times
    Then the 95th percentile of those calls is under 1 s
