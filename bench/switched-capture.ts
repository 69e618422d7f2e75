import type { PredictionRecord } from '../core/capture/records.ts';
import type { CaptureStats, PredictionCapture } from '../gateway/prediction-capture.ts';

/**
 * A capture bench/gateway.ts switches on and off between bursts, so that one gateway process serves
 * both sides of the comparison. While off it takes nothing: the prediction is served and not
 * captured, as with `captureEnabled: false`, and the capture behind it (its writer thread included)
 * has nothing to do.
 */
export class SwitchedCapture implements PredictionCapture {
  on = true;
  readonly #capture: PredictionCapture;

  constructor(capture: PredictionCapture) {
    this.#capture = capture;
  }

  enqueue(record: PredictionRecord): boolean {
    return this.on && this.#capture.enqueue(record);
  }

  stats(): CaptureStats {
    return this.#capture.stats();
  }

  flush(): Promise<void> {
    return this.#capture.flush();
  }

  close(): Promise<void> {
    return this.#capture.close();
  }
}
