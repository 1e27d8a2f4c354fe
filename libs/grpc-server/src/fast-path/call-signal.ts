import { Code, ConnectError } from '@connectrpc/connect';
import { constants } from 'node:http2';

/**
 * The abort state of one call, with the AbortController made only when
 * someone reads `signal`. Most unary calls never look at it, and an
 * AbortController costs little to make but several microseconds to abort
 * (DOMException, event dispatch), which connect-node does at the end of
 * every call. Aborts that happen before anyone looks (deadline, reset, end
 * of call) are recorded and applied when the signal is first read, so it
 * then reads exactly as a signal aborted at that moment would: same reason,
 * first abort wins.
 */
export class CallSignal {
  private controller: AbortController | undefined;
  private abortedEarly = false;
  private earlyReason: unknown;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedEarly) {
        this.controller.abort(this.earlyReason);
      } else {
        this.onSignalMade();
      }
    }
    return this.controller.signal;
  }

  abort(reason?: unknown): void {
    if (this.controller !== undefined) {
      // AbortController ignores a second abort, as the linked signals in Connect do.
      this.controller.abort(reason);
    } else if (!this.abortedEarly) {
      this.abortedEarly = true;
      this.earlyReason = reason;
    }
  }

  /**
   * Called once when the signal is made and not yet aborted: from then on
   * resets must abort it as they happen, so subclasses start watching.
   */
  protected onSignalMade(): void {
    // Nothing to watch by default.
  }
}

/**
 * connect-node's `connectErrorFromH2ResetCode` (not exported): the reason a
 * call's signal is aborted with when its stream is reset. Undefined for
 * NO_ERROR and STREAM_CLOSED, which abort without a reason.
 */
export function errorFromResetCode(rstCode: number | undefined): ConnectError | undefined {
  const known = rstCode === undefined ? undefined : RESETS.get(rstCode);
  if (rstCode === undefined || known === undefined) {
    return undefined;
  }
  return new ConnectError(`http/2 stream closed with error code ${known[0]} (0x${rstCode.toString(16)})`, known[1]);
}

const RESETS = new Map<number, readonly [string, Code]>([
  [constants.NGHTTP2_PROTOCOL_ERROR, ['PROTOCOL_ERROR', Code.Internal]],
  [constants.NGHTTP2_INTERNAL_ERROR, ['INTERNAL_ERROR', Code.Internal]],
  [constants.NGHTTP2_FLOW_CONTROL_ERROR, ['FLOW_CONTROL_ERROR', Code.Internal]],
  [constants.NGHTTP2_SETTINGS_TIMEOUT, ['SETTINGS_TIMEOUT', Code.Internal]],
  [constants.NGHTTP2_FRAME_SIZE_ERROR, ['FRAME_SIZE_ERROR', Code.Internal]],
  [constants.NGHTTP2_COMPRESSION_ERROR, ['COMPRESSION_ERROR', Code.Internal]],
  [constants.NGHTTP2_CONNECT_ERROR, ['CONNECT_ERROR', Code.Internal]],
  [constants.NGHTTP2_REFUSED_STREAM, ['REFUSED_STREAM', Code.Unavailable]],
  [constants.NGHTTP2_CANCEL, ['CANCEL', Code.Canceled]],
  [constants.NGHTTP2_ENHANCE_YOUR_CALM, ['ENHANCE_YOUR_CALM', Code.ResourceExhausted]],
  [constants.NGHTTP2_INADEQUATE_SECURITY, ['INADEQUATE_SECURITY', Code.PermissionDenied]],
  [constants.NGHTTP2_HTTP_1_1_REQUIRED, ['HTTP_1_1_REQUIRED', Code.PermissionDenied]],
]);
