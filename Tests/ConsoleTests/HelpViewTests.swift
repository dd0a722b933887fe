@testable import Console
import Foundation
import Kube
import Terminal
import XCTest

/// `?` at 80×24, the smallest terminal the console supports: keys and actions wrap in their
/// columns and the rest goes on further pages, so paging through shows every key and action of
/// the screen whole (read back from the frames, column by column).
final class HelpViewTests: XCTestCase {
    @MainActor func testEveryKeyOfEveryScreenIsShownWholeAt80x24() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        let area = Rect(x: 0, y: 3, width: 80, height: 20)
        var checkedScreens = 0
        for command in [":workloads", ":pods", ":nodes", ":events", ":deploy"] {
            s.type(command, state: state)
            s.type([.enter], state: state)
            _ = s.render(state, width: 80, height: 24, theme: .standard, glyphs: .unicode)
            let help = HelpView(screen: s.top)
            let layout = help.layout(area: area)
            XCTAssertEqual(layout.columns, 1, "80 columns: one column of keys")
            if command == ":workloads" { XCTAssertGreaterThan(layout.pages.count, 1, "the workloads' help needs more than 24 rows") }
            s.type("?", state: state)
            var keys = "", actions = ""
            var pages = 0
            var previous = ""
            while true {
                let frame = s.render(state, width: 80, height: 24, theme: .standard, glyphs: .unicode)
                let text = frame.text
                if text == previous { break }
                previous = text
                pages += 1
                for y in 4..<22 {
                    let line = Array(frame.line(y))
                    guard line.count > 4 else { continue }
                    // Key column from x=4, action column after it; titles start at x=2.
                    let keyPart = String(line[4..<min(line.count, 4 + layout.keyWidth - 1)]).trimmingCharacters(in: .whitespaces)
                    let actionPart = line.count > 4 + layout.keyWidth
                        ? String(line[(4 + layout.keyWidth)...]).trimmingCharacters(in: .whitespaces) : ""
                    if line[2] != " " { continue }
                    keys += " " + keyPart
                    actions += " " + actionPart
                }
                let last = frame.line(22)
                if layout.pages.count > 1 {
                    XCTAssertTrue(last.contains("page \(pages)/\(layout.pages.count)"), "\(command): \(last)")
                }
                s.type([.pageDown], state: state)
            }
            XCTAssertEqual(pages, layout.pages.count, command)
            let squeezedKeys = keys.split(separator: " ").joined(separator: " ")
            let squeezedActions = actions.split(separator: " ").joined(separator: " ")
            for section in help.sections {
                for (key, action) in section.keys {
                    XCTAssertTrue(squeezedKeys.contains(key.split(separator: " ").joined(separator: " ")), "\(command): key \"\(key)\" not shown whole")
                    XCTAssertTrue(squeezedActions.contains(action.split(separator: " ").joined(separator: " ")),
                                  "\(command): action \"\(action)\" not shown whole")
                }
            }
            s.type([.pageUp], state: state)
            s.type([.escape], state: state)
            XCTAssertFalse(s.showHelp)
            if command == ":deploy" { s.type([.escape], state: state) }
            checkedScreens += 1
        }
        XCTAssertEqual(checkedScreens, 5)
    }

    @MainActor func testPagesTurnBothWaysAndStopAtTheEnds() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type("?", state: state)
        let first = s.render(state, width: 80, height: 24, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(first.line(22).contains("page 1/"), first.line(22))
        XCTAssertTrue(first.text.contains("pods of the workload"))
        s.type([.up], state: state)
        XCTAssertEqual(s.helpPage, 0, "no page before the first")
        for _ in 0..<20 { s.type(" ", state: state) }
        let last = s.render(state, width: 80, height: 24, theme: .standard, glyphs: .unicode)
        XCTAssertEqual(s.helpPage, s.helpPageCount - 1, "no page after the last")
        XCTAssertTrue(last.text.contains(":quit"), last.text)
        s.type("b", state: state)
        XCTAssertEqual(s.helpPage, s.helpPageCount - 2)
        // A wide terminal needs fewer pages: two columns.
        s.type("g", state: state)
        let wide = s.render(state, width: 160, height: 50, theme: .standard, glyphs: .unicode)
        XCTAssertFalse(wide.text.contains("page 1/"), "everything fits on one page at 160×50")
        s.type("?", state: state)
        XCTAssertFalse(s.showHelp)
    }
}
