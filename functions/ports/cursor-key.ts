/** The secret key that seals list cursors (HMAC-SHA256). */
export interface CursorKeySource {
  /**
   * The key bytes (at least 32). Read once per container and kept.
   * @throws DependencyUnavailableError when its store cannot be read now; ConfigurationError when it holds
   *   no usable key.
   */
  key(): Promise<Uint8Array>;
}
