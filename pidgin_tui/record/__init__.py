"""The experiment directory: its layout, the JSONL writer and reader, the manifest, the tracking
subscriber and the conversation and experiment records read back from them."""
