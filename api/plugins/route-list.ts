import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A route as registered: its method and its URL pattern (`/v1/leads/:id`). */
export interface RegisteredRoute {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, HEAD twins of GET routes included. */
    registeredRoutes: () => readonly RegisteredRoute[];
  }
}

/**
 * Keeps the list of routes as they are registered, so the bad-input suite can hold every
 * route to its table (`printRoutes` omits wildcard routes). Register before any route.
 */
export const routeListPlugin = fp(
  async (app: FastifyInstance) => {
    const routes: RegisteredRoute[] = [];
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    });
    app.decorate('registeredRoutes', () => routes);
  },
  { name: 'route-list' },
);
