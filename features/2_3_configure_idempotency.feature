Feature: 2.3 A resent configuration is harmless

  > "Noga has some timeouts for resending requests" (frontend responsibility)
  > Note: Noga (frontend) has retry timeouts for resending requests

  The implications:
  > Backend (Focus Server) does NOT implement retry logic
  > Frontend (Noga UI) handles reconnection and retries
  > Tests should focus on backend idempotency, not retry behavior
  > Should get same result (idempotent)

  The retries themselves belong to the frontend (Noga) and the backend does none: a target has nothing to show of
  them (Frontend retries, beside the report). What it must show is that a resent configuration does no harm: sent
  again unchanged, a task configuration answers as the first time and leaves one task, not one per send. Each
  check sends a configuration nobody sent before, so that its first send truly is a first.

  A resent job configuration may start a job per send; harmless then means the same answer and an equivalent
  stream each time, every stream readable, and no job left running a minute after nobody reads it.

  @spec-2.3 @case-config-resent-idempotent @api-task
  Scenario Outline: The same task configuration sent <times> times gives the same answer and leaves one task
    When I send the same live task configuration <times> times
    Then every answer has the same status and message
    And the target runs it as one task with one results queue

    Examples:
      | times |
      | 2     |
      | 3     |

  @spec-2.3 @case-configure-resent-equivalent @api-job
  Scenario Outline: The same job configuration sent <times> times gives equivalent streams, and leaves no job running
    When I send the same live job configuration <times> times
    Then every answer has the same status and an equivalent stream description
    And every answer's stream can be read
    And every job of those answers is gone within 60 seconds once nobody reads it

    Examples:
      | times |
      | 2     |
      | 3     |
