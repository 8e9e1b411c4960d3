// A node's id: its Ethereum address in the message layer, a name like n17 in the simulator. Its
// own file so that messages (message.ts) and ports (ports.ts) can both name it without importing
// each other.

export type NodeId = string
