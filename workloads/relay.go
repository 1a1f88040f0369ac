package workloads

// The roles of a file relay.
const (
	FileReader Role = "file reader" // reads a file into messages
	FileWriter Role = "file writer" // writes the messages to a file
)

func init() {
	Register(Descriptor{Name: "relay", Order: 50,
		Doc:   "the tutorials' file transfer: file → messages → file, copies counted by where bytes moved",
		Roles: [2]Role{FileReader, FileWriter}, MessagesPerOp: 1, File: true})
}
