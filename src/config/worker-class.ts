/** Gunicorn's worker classes that a Node app runs on tunicorn's async worker (an event loop). */
export const ASYNC_ALIASES = ['gevent', 'eventlet', 'gthread', 'tornado'] as const;
export type AsyncAlias = (typeof ASYNC_ALIASES)[number];

export const isAsyncAlias = (name: string): name is AsyncAlias => (ASYNC_ALIASES as readonly string[]).includes(name);
