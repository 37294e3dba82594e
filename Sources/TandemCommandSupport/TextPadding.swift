/// `text` followed by spaces up to `width` characters (the demo's history and the benchmark
/// tables line up with it).
package func padded(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}
