/**
 * Name registries (Elixir's `Registry`).
 * @module
 */
export {};
