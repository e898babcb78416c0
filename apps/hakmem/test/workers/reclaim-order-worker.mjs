// Runs in a worker thread so that a reclaim that blocks for good (waiting for
// a lock the dead worker still holds) fails the test by timeout instead of
// freezing the test runner's own thread.
//
// The scene: worker b dies inside BigCache.free while evicting, holding the
// bigcache lock and the page lock, with a large run's head already FREE but
// in no cache entry. A survivor's reclaim must free the page lock before
// BigCache's repair gives that run back (which takes the page lock).
import { parentPort } from 'node:worker_threads';
import { H_BASE_PAGE, H_BIGCACHE_LOCK, H_PAGE_LOCK, H_PAGE_TABLE, PAGE_SHIFT, PK_RUN_FREE, runHeadWord } from '@hakmem/contracts/layout';
import { attachAllocator, createAllocator } from '../../dist/index.js';

const a = createAllocator({ shared: true, maxBytes: 256 << 20 });
const b = attachAllocator(a.share());
const p = b.malloc(3 << 20);
const pages = b.usableSize(p) >>> PAGE_SHIFT;
const u32 = new Uint32Array(a.memory.buffer);
const i32 = new Int32Array(a.memory.buffer);
u32[(u32[H_PAGE_TABLE / 4] >>> 2) - u32[H_BASE_PAGE / 4] + (p >>> PAGE_SHIFT)] = runHeadWord(PK_RUN_FREE, pages);
i32[H_BIGCACHE_LOCK / 4] = b.workerId;
i32[H_PAGE_LOCK / 4] = b.workerId;
const got = a.reclaim(b.workerId);
a.check();
const st = a.stats();
parentPort.postMessage({ got, liveBlocks: st.liveBlocks, bytesInUse: st.bytesInUse, locks: [i32[H_BIGCACHE_LOCK / 4], i32[H_PAGE_LOCK / 4]] });
