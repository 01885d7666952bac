Feature: 1 RabbitMQ topology: prisma is the one exchange, and named queues serve it

  Focus Server, the Smart Recorder and the analyzers meet on one broker, whose shape the development team fixed.

  1.1 Exchange configuration, the official answer:
  > "There is only ONE exchange named `prisma`"
  > Mnemonic: *"There is no exchange except prisma, and different queues serve it"*

  1.2 Queue configuration, the official answer:
  > | **Recorder** | Specific named queue | `recorder_input` |
  > | **Jobs** | Dynamic pattern: `{job_id}_{suffix}` | `job_abc123_results` |
  > | **Focus Server** | No queue (publisher only) | N/A |

  The suite only looks: it never creates an exchange or a named queue, and never takes a message meant for another.
  Focus Server is recognised on the broker by the name its connections carry, focus-server.

  @spec-1.1 @case-prisma-only-custom-exchange
  Scenario: prisma is the only exchange besides the broker's own
    > ❌ Do NOT create or expect other exchanges
    > # 2. Verify no other exchanges exist (except defaults)
    > assert custom_exchanges == ["prisma"], "Only 'prisma' exchange allowed"

    The broker's own exchanges are its default one and the amq.* ones it comes with.

    When the broker's exchanges are listed
    Then the only exchange besides the broker's own is "prisma"

  @spec-1.1 @case-prisma-durable-topic
  Scenario: prisma is a durable topic exchange
    > 🧪 Tests should validate exchange name is `prisma`
    > exchange="prisma",  # Hard-coded, never change
    > exchange_type='topic',
    > durable=True

    When the exchange "prisma" is looked up
    Then it is a "topic" exchange
    And it is durable

  @spec-1.1 @case-commands-through-prisma
  Scenario: Focus Server's commands go through prisma and through no other exchange
    > ✅ All RabbitMQ messages MUST be published to `prisma` exchange

    Every exchange is watched (but the default one, which cannot be without taking others' messages), so that a
    command sent elsewhere is seen where it went.

    Given Focus Server's commands are watched on every exchange of the broker
    When a live task or job is configured, whichever the target offers
    And it is kept busy: its waterfall polled or its stream read
    Then its region-of-interest command arrives through "prisma"
    And a keepalive command arrives through "prisma"
    And no command of Focus Server's arrives through any exchange but "prisma"

  @spec-1.2 @case-command-routing-keys
  Scenario: Focus Server publishes its commands with baby_analyzer.commands routing keys
    > # It only publishes to exchange with routing keys
    > focus_server_api.publish_command(
    >     exchange="prisma",
    >     routing_key="baby_analyzer.commands.roi"
    > )

    Commands are recognised by their content, wherever they go: this scenario judges the routing keys only.

    Given Focus Server's commands are watched on every exchange of the broker
    When a live task or job is configured, whichever the target offers
    And it is kept busy: its waterfall polled or its stream read
    Then its region-of-interest command carries the routing key "baby_analyzer.commands.roi"
    And its keepalive commands carry the routing key "baby_analyzer.commands.keepalive"

  @spec-1.2 @case-focus-server-publisher-only
  Scenario: Focus Server owns no queue and consumes none
    > | **Focus Server** | No queue (publisher only) | N/A |
    > # Focus Server does NOT consume from queues

    A target whose connections carry no name cannot show this; the scenario then says so (never passed).

    Given a live task or job is configured, whichever the target offers
    And it is kept busy: its waterfall polled or its stream read
    When Focus Server's connections to the broker are looked up
    Then Focus Server consumes from no queue
    And no queue is exclusive to Focus Server's connections

  @spec-1.2 @case-no-focus-server-queue
  Scenario: There is no Focus Server queue
    > # 3. Focus Server should not have dedicated queue
    > assert not rabbitmq_manager.queue_exists("focus_server_queue")

    Given a live task or job is configured, whichever the target offers
    Then the broker has no queue "focus_server_queue"

  @spec-1.2 @case-recorder-input-queue
  Scenario: The Smart Recorder's input queue is recorder_input
    > 1. **Recorder Tests:**
    > queue_name = "recorder_input"

    Then the broker has a queue "recorder_input"

  @spec-1.2 @case-job-queue-pattern
  Scenario Outline: A running <kind> has a queue of its own, named after its id with a suffix, bound to prisma
    > 2. **Job Tests:**
    > queue_name = f"{job_id}_results"  # or other suffix pattern

    The name is the id the target gave (job) or that we gave (task), an underscore, a suffix of the target's choice.

    Given a live <kind> is configured
    Then while it runs, a queue named after it with a suffix is bound to "prisma"

    @api-task
    Examples: a task
      | kind |
      | task |

    @api-job
    Examples: a job
      | kind |
      | job  |

  @spec-1.2 @case-job-queue-lives-with-job @api-job
  Scenario: A job's queue lives with its job and goes once the job has ended
    > | **Jobs** | Dynamic pattern: `{job_id}_{suffix}` | `job_abc123_results` |

    A short history job ends by itself.

    Given a history job over a window holding 4 seconds of recorded data
    And its queue, named after it with a suffix, is bound to "prisma"
    When I read its stream until the server ends it
    Then its queue is gone once the job has ended
