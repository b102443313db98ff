/**
 * The library itself, seen through the same interface as its peers: the
 * public repository calls a service makes, with the inputs converted to the
 * library's input type. The inbox's deep page needs the library's opaque
 * cursor: the bench walks to it and registers it under the same (time, id)
 * the peers get (`cursors`).
 */
import type { Database } from '../../src/database';
import type { Conversation } from '../../src/entities/conversation.entity';
import type { Message } from '../../src/entities/message.entity';
import type { User } from '../../src/entities/user.entity';
import { MessageSource } from '../../src/enums';
import type { Page } from '../../src/pagination';
import type { RecordInboundInput } from '../../src/repositories/message.types';
import { canon } from './canonical';
import { LIST, PAGE } from './queries';
import type { IngestInput, Peer, Shapes } from './types';

export interface LibraryPeer extends Peer {
  /** Library cursors by `${at}:${id}` of the row they continue after. */
  readonly cursors: Map<string, string>;
}

export function libraryInput(i: IngestInput): RecordInboundInput {
  return {
    userId: i.userId,
    source: i.source === 'messenger' ? MessageSource.MESSENGER : MessageSource.WHATSAPP,
    text: i.text,
    ...(i.fb !== null ? { facebookMessageId: i.fb } : {}),
    ...(i.wa !== null ? { whatsappMessageId: i.wa } : {}),
    sentAt: new Date(i.at),
  };
}

export function libraryPeer(db: Database, shapes: Shapes): LibraryPeer {
  const cursors = new Map<string, string>();
  return {
    name: 'library',
    cursors,
    findByPsid: (psid) => db.users.findByPsid(psid),
    inbox: (after) => {
      if (!after) return db.conversations.inbox({ limit: PAGE });
      const cursor = cursors.get(`${after.at}:${after.id}`);
      if (cursor === undefined) throw new Error(`no library cursor registered for ${after.at}:${after.id}`);
      return db.conversations.inbox({ limit: PAGE, cursor });
    },
    listForUser: (userId) => db.messages.listForUser(userId, { limit: LIST }),
    recordInbound: (input) => db.messages.recordInbound(libraryInput(input)),
    recordInboundBatch: (inputs) => db.messages.recordInboundBatch(inputs.map(libraryInput)),
    view: {
      user: (r) => (r === null ? null : canon(shapes.user, r as User)),
      inbox: (r) => {
        const page = r as Page<Conversation>;
        return { rows: page.items.map((c) => ({ conversation: canon(shapes.conversation, c), user: canon(shapes.user, c.user) })), more: page.nextCursor !== null };
      },
      messages: (r) => {
        const page = r as Page<Message>;
        return { rows: page.items.map((m) => canon(shapes.message, m)), more: page.nextCursor !== null };
      },
      message: (r) => canon(shapes.message, r as Message),
      batch: (r) => (r as Array<{ message: Message }>).map((x) => canon(shapes.message, x.message)),
    },
    close: async () => undefined,
  };
}
