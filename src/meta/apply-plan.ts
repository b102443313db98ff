/**
 * Writes a validated plan in one transaction (joining the caller's): finds
 * or creates the customers, matches referrals to campaigns and posts,
 * records messages idempotently and applies receipts.
 *
 * @internal
 * @module
 */
import type { User } from '../entities/user.entity';
import { MessageSource } from '../enums';
import { isMigochatDbError, WebhookPayloadError } from '../errors';
import type { RecordInboundInput } from '../repositories/message.types';
import type { DatabaseScope } from '../scope';
import type { PlannedCustomer, PlannedEvent, PlannedMessage, PlannedReferral, PlannedStatus, PlannedWatermark } from './plan';
import type { WebhookAttribution, WebhookEventResult, WebhookIngestOptions, WebhookReceiptResult } from './results';

/** Runs the plan; one result per planned event (a delivery with mids gives one per mid too). */
export async function applyPlan(scope: DatabaseScope, plan: readonly PlannedEvent[], options: WebhookIngestOptions = {}): Promise<WebhookEventResult[]> {
  const campaignOf = await campaignsOfAds(plan, options);
  if (plan.every((step) => step.type === 'ignored')) return plan.map(ignoredResult);
  return scope.transaction(async (tx) => {
    const run = new PlanRun(tx, campaignOf);
    const results: WebhookEventResult[] = [];
    for (const step of plan) results.push(...(await run.step(step)));
    return results;
  });
}

/** The campaign Facebook id of every ad the plan names, asked of `campaignOfAd` before the transaction opens. */
async function campaignsOfAds(plan: readonly PlannedEvent[], options: WebhookIngestOptions): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const lookup = options.campaignOfAd;
  if (lookup === undefined) return out;
  const ads = new Set<string>();
  for (const step of plan) {
    const referral = step.type === 'message' || step.type === 'referral' ? step.referral : null;
    if (referral?.adId) ads.add(referral.adId);
  }
  for (const ad of ads) {
    const campaign = await lookup(ad);
    if (typeof campaign === 'string' && campaign !== '') out.set(ad, campaign);
  }
  return out;
}

function ignoredResult(step: PlannedEvent): WebhookEventResult {
  if (step.type !== 'ignored') throw new Error(`not an ignored step: ${step.type}`);
  return { kind: 'ignored', reason: step.reason, detail: step.detail, path: step.path };
}

class PlanRun {
  readonly #users = new Map<string, User>();
  readonly #attributions = new Map<string, { adCampaignId: number | null; postId: number | null }>();

  constructor(
    private readonly tx: DatabaseScope,
    private readonly campaignOf: ReadonlyMap<string, string>,
  ) {}

  /** One step; a refusal of the repositories becomes a payload error naming the event. */
  async step(step: PlannedEvent): Promise<WebhookEventResult[]> {
    try {
      switch (step.type) {
        case 'message':
          return [await this.#message(step)];
        case 'watermark':
          return this.#watermark(step);
        case 'status':
          return [await this.#status(step)];
        case 'referral': {
          const user = await this.#customer(step.customer, true);
          return [{ kind: 'referral', userId: user.id, attribution: await this.#attribute(step.referral), path: step.path }];
        }
        case 'ignored':
          return [ignoredResult(step)];
      }
    } catch (error) {
      if (isMigochatDbError(error) && (error.code === 'ENTITY_VALIDATION_ERROR' || error.code === 'INVALID_ENUM_VALUE')) {
        throw new WebhookPayloadError(step.path, error.message, { cause: error });
      }
      throw error;
    }
  }

  async #message(step: PlannedMessage): Promise<WebhookEventResult> {
    const user = await this.#customer(step.customer, true);
    const attribution = step.referral === null ? null : await this.#attribute(step.referral);
    const input: RecordInboundInput = {
      userId: user.id,
      source: step.source,
      kind: step.kind,
      text: step.text,
      attachments: step.attachments,
      sentAt: step.sentAt,
      postId: attribution?.postId ?? null,
      adCampaignId: attribution?.adCampaignId ?? null,
      ...(step.source === MessageSource.WHATSAPP ? { whatsappMessageId: step.platformId } : { facebookMessageId: step.platformId }),
    };
    const recorded = step.direction === 'inbound' ? await this.tx.messages.recordInboundDetailed(input) : await this.tx.messages.recordOutboundDetailed(input);
    return {
      kind: 'message',
      outcome: recorded.created ? 'created' : 'duplicate',
      messageId: recorded.message.id,
      userId: user.id,
      direction: step.direction,
      messageKind: step.kind,
      platformId: step.platformId,
      attribution,
      path: step.path,
    };
  }

  async #watermark(step: PlannedWatermark): Promise<WebhookEventResult[]> {
    const user = await this.#customer(step.customer, false);
    if (user === null) return [{ kind: 'ignored', reason: 'unknown-user', detail: `a ${step.status} receipt from a customer with no messages here`, path: step.path }];
    const results: WebhookEventResult[] = [];
    // Ids first: a mid may name a message the watermark alone would miss (sent after it, on a skewed clock).
    for (const mid of step.mids) {
      results.push(await this.#status({ type: 'status', path: step.path, platformId: mid, status: step.status, at: step.at, errors: undefined }));
    }
    const count =
      step.status === 'read' ? await this.tx.messages.markReadUpTo(user.id, step.at, step.source) : await this.tx.messages.markDeliveredUpTo(user.id, step.at, step.source);
    results.push(receipt(step.path, count > 0 ? 'applied' : 'unchanged', step.status, count, null, null, step.at));
    return results;
  }

  async #status(step: PlannedStatus): Promise<WebhookEventResult> {
    const answer = await this.tx.messages.applyStatus({
      messageId: step.platformId,
      status: step.status,
      at: step.at,
      ...(step.errors !== undefined ? { errors: step.errors } : {}),
    });
    if (answer.outcome === 'ignored') {
      return { kind: 'ignored', reason: 'unknown-status', detail: answer.reason ?? `status "${step.status}" is not one this CRM records`, path: step.path };
    }
    return receipt(step.path, answer.outcome, step.status, answer.outcome === 'applied' ? 1 : 0, answer.message?.id ?? null, step.platformId, null);
  }

  /** The customer, found (and with `create`, created) by psid or number; `null` only without `create`. */
  async #customer(customer: PlannedCustomer, create: true): Promise<User>;
  async #customer(customer: PlannedCustomer, create: false): Promise<User | null>;
  async #customer(customer: PlannedCustomer, create: boolean): Promise<User | null> {
    const key = customer.by === 'psid' ? `psid:${customer.psid}` : `phone:${customer.phone}`;
    const known = this.#users.get(key);
    if (known !== undefined) return known;
    let user: User | null;
    if (customer.by === 'psid') {
      user = create ? await this.tx.users.findOrCreateByPsid(customer.psid, { primarySource: MessageSource.MESSENGER }) : await this.tx.users.findByPsid(customer.psid);
    } else if (!create) {
      user = await this.tx.users.findByPhone(customer.phone);
    } else {
      user = await this.tx.users.findOrCreateByPhone(customer.phone, {
        primarySource: MessageSource.WHATSAPP,
        ...(customer.name !== null ? { firstName: customer.name } : {}),
      });
      // The profile name fills a missing name; a name an agent entered is kept.
      if (customer.name !== null && user.firstName === null) user = await this.tx.users.update(user.id, { firstName: customer.name });
    }
    if (user !== null) this.#users.set(key, user);
    return user;
  }

  async #attribute(referral: PlannedReferral): Promise<WebhookAttribution> {
    const key = `${referral.adId ?? ''}\n${referral.facebookPostId ?? ''}`;
    let found = this.#attributions.get(key);
    if (found === undefined) {
      const campaign = referral.adId === null ? null : await this.tx.adCampaigns.findByFacebookId(this.campaignOf.get(referral.adId) ?? referral.adId);
      const post = referral.facebookPostId === null ? null : await this.tx.posts.findByFacebookId(referral.facebookPostId);
      found = { adCampaignId: campaign?.id ?? null, postId: post?.id ?? null };
      this.#attributions.set(key, found);
    }
    const named = referral.adId !== null || referral.facebookPostId !== null;
    return {
      ...referral,
      ...found,
      status: found.adCampaignId !== null || found.postId !== null ? 'matched' : named ? 'unknown' : 'none',
    };
  }
}

function receipt(
  path: string,
  outcome: WebhookReceiptResult['outcome'],
  status: string,
  count: number,
  messageId: number | null,
  platformId: string | null,
  watermark: Date | null,
): WebhookReceiptResult {
  return { kind: 'receipt', outcome, status, count, messageId, platformId, watermark, path };
}
