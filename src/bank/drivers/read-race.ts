/**
 * Swift's answer to a read that races an overwrite, shared by the Swift driver and the S3
 * driver (whose usual test endpoint is Swift's s3api layer).
 *
 * @module
 */

/**
 * How many times a 404 for an object is asked again before it is believed. Swift's object
 * server can answer 404 to a read that races an overwrite of the same object: it picks the
 * old `.data` file, the overwrite's clean-up unlinks it, the open fails. With several replicas
 * the proxy asks another node; with one (or when all race) the 404 reaches the client. The new
 * file is in place before the old one goes, so asking again settles it. A genuine miss costs
 * this many extra round trips.
 */
export const NOT_FOUND_CONFIRMATIONS = 2;
