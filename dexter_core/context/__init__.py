"""What the agent sees of a conversation: `MessageHistory`, relevance selection, embeddings,
token counting, summaries and the prompt formatter."""
