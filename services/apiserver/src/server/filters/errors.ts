import type { BufferedResponse } from '../../endpoints/types';

/** Renders any failure as a Status answer in the client's media type. */
export type ErrorRenderer = (e: unknown, accept: string | undefined) => BufferedResponse;
