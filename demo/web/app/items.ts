import { entityStoreToken } from 'rxsync/angular';

/** An item as the demo backend serves it. */
export interface Item {
  readonly id: string;
  readonly name: string;
  readonly price: number;
  readonly updatedAt: string;
}

/** The entity store of items; every view reads it, only the API writes it. */
export const ITEMS = entityStoreToken<Item>('items');
