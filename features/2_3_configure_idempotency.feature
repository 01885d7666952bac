Feature: 2.3 A resent configuration is harmless

  > "Noga has some timeouts for resending requests" (frontend responsibility)
  > Note: Noga (frontend) has retry timeouts for resending requests

  The implications:
  > Backend (Focus Server) does NOT implement retry logic
  > Frontend (Noga UI) handles reconnection and retries
  > Tests should focus on backend idempotency, not retry behavior
  > Should get same result (idempotent)

  Out of scope of a target test: the retries themselves. They belong to the frontend (Noga) and the backend does
  none, so a target has nothing to show about them (see docs/frontend-retries.md). What a target must show is
  that a resent request does no harm: the same POST /config/{task_id} with the same body, sent again, answers as
  the first time and the target goes on with one task, not one per send. The task's queue is recognised by the
  task id in its name; whether that name follows the {id}_{suffix} pattern is clause 1.2's business.

  A check's first request is its own: each scenario's body carries a display nobody sent before (a random time
  axis and canvas height, both valid), in this run or any earlier one, so that its first send is a first send and
  "the same answer again" compares it with its resends, not one resend with another.

  Over the job API (the deployed server's), a resent POST /configure may start a job per send; harmless means: the
  same status and an equivalent stream description every time (channel_amount, stream_amount,
  channel_to_stream_index, view_type), every answer's stream readable (its first frame arrives), and no job left
  running: each of them is gone (GET /metadata/{job_id} answers 404) within the contract's 60 s once nobody reads it.

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
