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

  @spec-2.3 @case-config-resent-idempotent
  Scenario Outline: The same task configuration sent <times> times gives the same answer and leaves one task
    When I send the same live task configuration <times> times
    Then every answer has the same status and message
    And the target runs it as one task with one results queue

    Examples:
      | times |
      | 2     |
      | 3     |
