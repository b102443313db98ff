// The input and result types of `users.erase` and `users.erasureStatus`.

/** What `users.erase` answers. */
export interface ErasureReceipt {
  /** The code to give the customer (Meta's data deletion callback answers it as `confirmation_code`); look it up with `users.erasureStatus`. */
  confirmationCode: string;
  /** `completed`: everything was erased before the call returned. */
  status: 'completed';
  /** When. */
  erasedAt: Date;
}

/** What `users.erasureStatus` answers for a known code. */
export interface ErasureStatus {
  /** The code asked about. */
  confirmationCode: string;
  /** `completed`: the data was erased. */
  status: 'completed';
  /** When. */
  erasedAt: Date;
}

/** Options of `users.erase`. */
export interface EraseOptions {
  /** Who asked (an agent id, `meta-data-deletion-callback`, ...); stored in the audit entry and the erasure record. At most 100 characters. */
  performedBy?: string | null;
}
