import { SS_BITMAP } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { LIVE_BITMAP } from '../src/hot-layout.js';

describe('hot-layout', () => {
  it('restates contracts/layout.ts exactly', () => {
    expect(LIVE_BITMAP).toBe(SS_BITMAP);
  });
});
