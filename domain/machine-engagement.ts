/**
 * Telling a reader's opens and clicks from a machine's (issue 15). Mail security scanners,
 * link previewers and privacy proxies fetch a message's pixel and follow its links without
 * anyone reading it; counted as people, they make every email look opened and clicked. The
 * report counts them apart. Pure: the tracking routes hand in the request and the
 * delivery's earlier hits, and store the answer.
 */

/** A tracking hit: the open pixel or a click redirect. */
export type HitKind = 'open' | 'click';

/** Why a hit is a machine's; see {@link classifyHit} for each rule. */
export type MachineReason =
  | 'head_request'
  | 'no_user_agent'
  | 'scanner_user_agent'
  | 'image_proxy_click'
  | 'privacy_prefetch'
  | 'too_soon_after_delivery'
  | 'all_links_at_once';

/** Every reason, in the order the report lists them. */
export const MACHINE_REASONS: readonly MachineReason[] = [
  'head_request',
  'no_user_agent',
  'scanner_user_agent',
  'image_proxy_click',
  'privacy_prefetch',
  'too_soon_after_delivery',
  'all_links_at_once',
];

// Mail security scanners and link-preview fetchers open every link and image of a message
// before (or without) anyone reading it.
const SCANNERS =
  /bot|crawler|spider|preview|scanner|barracuda|proofpoint|mimecast|safelinks|slurp|facebookexternalhit|whatsapp|headless|python-|go-http-client|curl\/|wget|libwww|okhttp|java\//i;
// Gmail's and Yahoo's image proxies fetch a message's images when its reader opens it (and
// then cache them): for an open pixel they are the reader, and for most Gmail readers the
// only sign of an open there is. They never follow links, so on a click they are not a person.
const IMAGE_PROXIES = /googleimageproxy|yahoomailproxy/i;
// Apple Mail Privacy Protection fetches every image of a message through Apple's proxy when
// the message reaches the device, read or not, with this bare User-Agent (a real Safari or
// Mail sends its platform and engine after it).
const PRIVACY_PREFETCH = /^Mozilla\/5\.0$/;

/** An open this soon after the send is a prefetch: a person has not found the message yet. */
export const OPEN_PREFETCH_WINDOW_MS = 5_000;
/** A click this soon after the send is a scanner checking links as the message arrives (Safe Links, gateways). */
export const CLICK_SCAN_WINDOW_MS = 20_000;
/** Clicks on this many different links of one email ... */
export const BURST_LINKS = 3;
/** ... within this long of each other are a scanner following every link, not a reader. */
export const BURST_WINDOW_MS = 5_000;

/**
 * Whether the User-Agent alone names a machine: none at all (every mail client and browser
 * sends one), a known scanner or previewer, or an image proxy following a link. The
 * engagement score uses this rule alone (it must not wait for a delivery's history).
 */
export function automatedUserAgent(userAgent: string | undefined, kind: HitKind): MachineReason | undefined {
  if (userAgent === undefined || userAgent.trim() === '') return 'no_user_agent';
  if (IMAGE_PROXIES.test(userAgent)) return kind === 'click' ? 'image_proxy_click' : undefined;
  if (SCANNERS.test(userAgent)) return 'scanner_user_agent';
  return undefined;
}

/** One request to the pixel or a click redirect. */
export interface TrackingHit {
  kind: HitKind;
  /** The HTTP method: HEAD only asks whether the link works. */
  method: string;
  userAgent: string | undefined;
  atMs: number;
  /** The click's target (the URL signed into the token); absent for opens. */
  url?: string | undefined;
}

/** A hit already recorded for the same delivery. */
export interface PriorHit {
  id: string;
  kind: HitKind;
  url: string | null;
  atMs: number;
  machineReason: MachineReason | null;
}

/** What {@link classifyHit} decided: this hit's reason (null: a person), and earlier hits now known to be a machine's. */
export interface HitClassification {
  reason: MachineReason | null;
  alsoMachine: string[];
}

/**
 * Classifies a hit on a delivery sent at `sentAtMs` (null: not known, so timing rules do not
 * apply), given the delivery's earlier hits. Rules, first match wins:
 * 1. `head_request`: a HEAD request (link checkers; a browser following a link sends GET);
 * 2. `no_user_agent`, `scanner_user_agent`, `image_proxy_click`: see {@link automatedUserAgent};
 * 3. `privacy_prefetch`: an open with Apple Mail Privacy Protection's bare `Mozilla/5.0`;
 * 4. `too_soon_after_delivery`: an open within {@link OPEN_PREFETCH_WINDOW_MS}, a click within
 *    {@link CLICK_SCAN_WINDOW_MS}, of the send;
 * 5. `all_links_at_once`: a click that makes {@link BURST_LINKS} different links clicked within
 *    {@link BURST_WINDOW_MS}; the burst's earlier clicks, counted as a person's when they came,
 *    are returned in `alsoMachine` to be counted again.
 */
export function classifyHit(hit: TrackingHit, sentAtMs: number | null, prior: readonly PriorHit[]): HitClassification {
  const alone = (reason: MachineReason | null): HitClassification => ({ reason, alsoMachine: [] });
  if (hit.method.toUpperCase() === 'HEAD') return alone('head_request');
  const byAgent = automatedUserAgent(hit.userAgent, hit.kind);
  if (byAgent !== undefined) return alone(byAgent);
  if (hit.kind === 'open' && PRIVACY_PREFETCH.test((hit.userAgent ?? '').trim())) return alone('privacy_prefetch');
  if (sentAtMs !== null) {
    const window = hit.kind === 'open' ? OPEN_PREFETCH_WINDOW_MS : CLICK_SCAN_WINDOW_MS;
    if (hit.atMs - sentAtMs < window) return alone('too_soon_after_delivery');
  }
  if (hit.kind === 'click' && hit.url !== undefined) {
    const burst = prior.filter(
      (p) => p.kind === 'click' && p.url !== null && Math.abs(hit.atMs - p.atMs) <= BURST_WINDOW_MS,
    );
    const links = new Set([hit.url, ...burst.map((p) => p.url)]);
    if (links.size >= BURST_LINKS) {
      return {
        reason: 'all_links_at_once',
        alsoMachine: burst.filter((p) => p.machineReason === null).map((p) => p.id),
      };
    }
  }
  return alone(null);
}

/** What a delivery's hits say about it, each at most once (unique per email). */
export interface DeliveryEngagement {
  /** A person opened it: a person's open, or a person's click (a click implies an open the pixel may have missed). */
  opened: boolean;
  /** Only machines opened it. */
  machineOpened: boolean;
  /** A person clicked a link. */
  clicked: boolean;
  /** Only machines clicked. */
  machineClicked: boolean;
}

/** A delivery's unique engagement from all its hits, each classified. */
export function deliveryEngagement(
  hits: readonly { kind: HitKind; machineReason: MachineReason | null }[],
): DeliveryEngagement {
  const person = (kind: HitKind) => hits.some((h) => h.kind === kind && h.machineReason === null);
  const machine = (kind: HitKind) => hits.some((h) => h.kind === kind && h.machineReason !== null);
  const clicked = person('click');
  const opened = person('open') || clicked;
  return { opened, machineOpened: !opened && machine('open'), clicked, machineClicked: !clicked && machine('click') };
}
