export { FrontGate, pageWordOf, ROUTE_TINY, ROUTE_MID, ROUTE_LARGE } from './front-gate.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
