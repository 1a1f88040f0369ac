package workloads

func init() {
	Register(Descriptor{Name: "relay", Order: 50,
		Doc:   "the tutorials' file transfer: file → messages → file, copies counted by where bytes moved",
		Roles: [2]Role{FileReader, FileWriter}, MessagesPerOp: 1, File: true})
}
