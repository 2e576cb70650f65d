/**
 * The publish queue as SQS FIFO runs it (infra/queue.yml): one message group, batches of up to ten
 * in order, a message back at the head of the group when its batch throws or names it in
 * `batchItemFailures`, and moved to the dead-letter queue once it has been received
 * `maxReceiveCount` times without success.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { redeliver, sqsFifoEvent } from "../../scripts/support/local-aws/index.js";

export interface FifoQueueOptions {
  /** RedrivePolicy.maxReceiveCount */
  maxReceiveCount: number;
  batchSize?: number;
}

export interface Delivery {
  event: SQSEvent;
  /** Ids the invocation did not finish: all of them when it threw. */
  failed: string[];
  error?: unknown;
}

export interface FifoQueue {
  send(bodies: unknown[]): void;
  /**
   * Delivers batches to `invoke` until the queue is empty. `beforeRedelivery` runs before a batch
   * that holds a message seen before, standing in for the visibility timeout.
   */
  drain(invoke: (event: SQSEvent) => Promise<SQSBatchResponse>, beforeRedelivery?: () => Promise<void>): Promise<void>;
  readonly deliveries: readonly Delivery[];
  /** Messages that went to the dead-letter queue, with the error of their last receive. */
  readonly deadLettered: readonly { record: SQSRecord; error?: unknown }[];
  /** Deliveries in which at least one message was received again. */
  redeliveries(): number;
}

export function createFifoQueue(options: FifoQueueOptions): FifoQueue {
  const batchSize = options.batchSize ?? 10;
  const pending: SQSRecord[] = [];
  const deliveries: Delivery[] = [];
  const deadLettered: { record: SQSRecord; error?: unknown }[] = [];

  return {
    send(bodies) {
      pending.push(...sqsFifoEvent(bodies).Records);
    },
    async drain(invoke, beforeRedelivery) {
      while (pending.length > 0) {
        const records = pending.splice(0, batchSize);
        if (records.some((r) => Number(r.attributes.ApproximateReceiveCount) > 1)) await beforeRedelivery?.();
        const event: SQSEvent = { Records: records };
        let failed: string[];
        let error: unknown;
        try {
          failed = (await invoke(event)).batchItemFailures.map((f) => f.itemIdentifier);
        } catch (thrown) {
          error = thrown;
          failed = records.map((r) => r.messageId);
        }
        deliveries.push({ event, failed, ...(error !== undefined ? { error } : {}) });
        const back: SQSRecord[] = [];
        for (const record of records.filter((r) => failed.includes(r.messageId))) {
          if (Number(record.attributes.ApproximateReceiveCount) >= options.maxReceiveCount) deadLettered.push({ record, error });
          else back.push(...redeliver({ Records: [record] }, [record.messageId]).Records);
        }
        // FIFO: the group's unfinished messages come first again, in their order.
        pending.unshift(...back);
      }
    },
    deliveries,
    deadLettered,
    redeliveries: () => deliveries.filter((d) => d.event.Records.some((r) => Number(r.attributes.ApproximateReceiveCount) > 1)).length,
  };
}
