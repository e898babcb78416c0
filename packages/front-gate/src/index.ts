export { FrontGate, pageWordOf, routeOfSize, routeOfWord, routeOfPageRun, largeRunPages, boxOfRoute } from './front-gate.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
