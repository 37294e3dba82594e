import Testing
@testable import TandemCRDT
import TandemTestSupport

/// The change-log decoder's UTF-8 reader accepts exactly valid UTF-8.
@Suite struct UTF8DecodingTests {
    @Test(arguments: ["", "plain ascii", "é→↑", "😀 emoji and 中文", "\u{10FFFF}\u{0}\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}"])
    func validTextDecodesToItsScalars(text: String) {
        let decoded = UTF8Decoding.scalars(Array(text.utf8)[...])
        #expect(decoded == Array(text.unicodeScalars))
    }

    @Test(arguments: [
        [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x86], [0x61, 0xC3],
    ] as [[UInt8]])
    func invalidBytesAreRejected(bytes: [UInt8]) {
        #expect(UTF8Decoding.scalars(bytes[...]) == nil)
    }
}
