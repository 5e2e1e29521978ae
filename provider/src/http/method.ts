/** The HTTP methods the provider sends; its own home, so the client and its retry policy both import it without a cycle. */
export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";
