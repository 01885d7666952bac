Feature: 3 Smart Recorder integration: AMQP only, through prisma

  The Smart Recorder publishes the interrogator's data on the broker; the development team answered that it speaks
  AMQP and nothing else.

  3.1 Connection protocol, the official answer:
  > "AMQP. It connects to the interrogator - all communication is AMQP"
  > [Fiber/DAS] → [Interrogator] ←--AMQP--→ [Smart Recorder] ←--AMQP--→ [RabbitMQ (prisma exchange)]
  > - Smart Recorder does NOT use gRPC Tap
  > - All data flow is through AMQP/RabbitMQ

  Its data must come at least once a second while live data flows (the target contract), over the listening
  window: a minute in the nightly profile, so that a recorder falling silent after a few seconds is seen.

  @spec-3.1 @case-recorder-data-on-prisma @listening
  Scenario: The Smart Recorder publishes its data through prisma with recorder.data routing keys, at least once a second
    > 2. **Test AMQP integration instead:**
    > # Subscribe to recorder messages on 'prisma' exchange
    > messages = rabbitmq_client.consume_messages(
    >     exchange="prisma",
    >     routing_key="recorder.data.*"
    > )
    > assert len(messages) > 0, "No AMQP messages from recorder"

    Given the Smart Recorder's messages are watched on "prisma" with the routing key pattern "recorder.data.*"
    When the Smart Recorder is listened to for the listening window
    Then Smart Recorder messages arrive through "prisma" with routing keys matching "recorder.data.*"
    And they arrive at least once a second

  @spec-3.1 @case-recorder-amqp-only @listening
  Scenario: The Smart Recorder is heard over AMQP through prisma, and never through a gRPC tap
    > 1. **Do NOT test gRPC Tap for Smart Recorder:**
    > # ❌ WRONG - Smart Recorder doesn't use gRPC

    Decision: no scenario checks a gRPC tap for the Smart Recorder, and none will be written. What it does show is
    checked instead: its data reaches the broker over AMQP, through prisma and through no other exchange.

    Given the Smart Recorder's messages are watched on every exchange of the broker
    When the Smart Recorder is listened to for the listening window
    Then Smart Recorder messages arrive through "prisma" with routing keys matching "recorder.data.*"
    And no Smart Recorder message arrives through any exchange but "prisma"

  @spec-3.1 @case-interrogator-input-queue
  Scenario: The interrogator's input queue exists
    > 3. **Test Interrogator connectivity (if accessible):**
    > # Check if interrogator queue exists
    > assert rabbitmq_manager.queue_exists("interrogator_input")

    Then the broker has a queue "interrogator_input"
