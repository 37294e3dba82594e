// expectSound: a test's check that a document passes Document.checkInvariants().
import Testing
import TandemCRDT

/// Records an issue naming what `document.checkInvariants()` found wrong, if anything.
func expectSound(_ document: Document, _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    let problems = document.checkInvariants()
    #expect(problems.isEmpty, "\(context()): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
}
