import XCTest
@testable import Terminal

final class ColorTests: XCTestCase {
    func testParsesSkinColours() {
        XCTAssertEqual(TerminalColor(parsing: "#bd93f9"), .rgb(0xbd, 0x93, 0xf9))
        XCTAssertEqual(TerminalColor(parsing: "#fff"), .rgb(255, 255, 255))
        XCTAssertEqual(TerminalColor(parsing: "default"), .default)
        XCTAssertEqual(TerminalColor(parsing: "-"), .default)
        XCTAssertEqual(TerminalColor(parsing: "DodgerBlue"), .rgb(30, 144, 255))
        XCTAssertNil(TerminalColor(parsing: "#12345"))
        XCTAssertNil(TerminalColor(parsing: "#gggggg"))
        XCTAssertNil(TerminalColor(parsing: "notacolour"))
    }

    func testReductionToTheTerminalsDepth() {
        let purple = TerminalColor.rgb(0xbd, 0x93, 0xf9)
        XCTAssertEqual(purple.reduced(to: .truecolor), purple)
        XCTAssertEqual(purple.reduced(to: .indexed256), .indexed(141)) // xterm 141 = #af87ff
        XCTAssertEqual(TerminalColor.rgb(0, 0, 0).reduced(to: .indexed256), .indexed(16))
        XCTAssertEqual(TerminalColor.rgb(128, 128, 128).reduced(to: .indexed256), .indexed(244))
        XCTAssertEqual(TerminalColor.rgb(250, 10, 10).reduced(to: .ansi16), .ansi(9))
        XCTAssertEqual(TerminalColor.indexed(3).reduced(to: .ansi16), .ansi(3))
        XCTAssertEqual(purple.reduced(to: .monochrome), .default)
        XCTAssertEqual(TerminalColor.default.reduced(to: .ansi16), .default)
    }

    func testDepthDetection() {
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-256color", "NO_COLOR": ""], reported: 256), .monochrome)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-256color"], reported: 256, noColorFlag: true), .monochrome)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"], reported: 256), .truecolor)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "tmux-256color"], reported: 256), .indexed256)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "linux"], reported: 8), .ansi16)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "dumb"], reported: nil), .monochrome)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "screen-256color"], reported: nil), .indexed256)
    }

    func testKeysFromCharacterCodes() {
        XCTAssertEqual(Key.fromCharacterCode(4), .ctrl("d"))
        XCTAssertEqual(Key.fromCharacterCode(9), .tab)
        XCTAssertEqual(Key.fromCharacterCode(13), .enter)
        XCTAssertEqual(Key.fromCharacterCode(27), .escape)
        XCTAssertEqual(Key.fromCharacterCode(127), .backspace)
        XCTAssertEqual(Key.fromCharacterCode(106), .character("j"))
        XCTAssertEqual(Key.fromCharacterCode(0x65E5), .character("日"))
        XCTAssertNil(Key.fromCharacterCode(0xD800), "a lone surrogate is not a key")
    }

    func testGlyphsFollowTheLocale() {
        XCTAssertEqual(Glyphs.forCodeset("UTF-8"), .unicode)
        XCTAssertEqual(Glyphs.forCodeset("utf8"), .unicode)
        XCTAssertEqual(Glyphs.forCodeset("ANSI_X3.4-1968"), .ascii)
    }
}
