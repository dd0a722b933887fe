import KvdeckTestSupport
import XCTest
@testable import Engine

/// Expected renderings were produced by jinja2 from the same template texts (ChatTemplateTexts and
/// the GGUF's) with bos_token "<|begin_of_text|>".
final class ChatTemplateTests: XCTestCase {
    private let capital: [ChatMessage] = [.user("What is the capital of France?")]
    private let conversation: [ChatMessage] = [
        .system("  Be brief. "), .user(" Hi\n"), .assistant("Hello!"), .user("Bye"),
    ]

    func testSmolLM2TemplateFromTheGGUFReproducesTheFixturePrompt() throws {
        let gguf = try TestModel.defaultGGUF()
        let tok = try Tokenizer(gguf: gguf)
        let template = try ChatTemplate.recognise(template: gguf.string("tokenizer.chat_template"), tokenizer: tok)
        XCTAssertEqual(template, .chatML(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        let fixture = try XCTUnwrap(EngineFixture.cases().first { $0.name == "chat_capital" })
        let prompt = template.render(capital, addGenerationPrompt: true)
        XCTAssertEqual(prompt, fixture.prompt)
        XCTAssertEqual(tok.encode(prompt), fixture.promptIDs)
        // A conversation with its own system turn keeps it verbatim (no trimming in ChatML).
        XCTAssertEqual(template.render(conversation, addGenerationPrompt: false),
                       "<|im_start|>system\n  Be brief. <|im_end|>\n<|im_start|>user\n Hi\n<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n")
    }

    func testQwen25TemplateUsesItsDefaultSystemPrompt() throws {
        let template = try ChatTemplate.recognise(template: ChatTemplateTexts.qwen25, tokenizer: nil)
        XCTAssertEqual(template, .chatML(defaultSystemPrompt: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."))
        XCTAssertEqual(template.render(capital, addGenerationPrompt: true),
                       "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(template.render(conversation, addGenerationPrompt: true),
                       "<|im_start|>system\n  Be brief. <|im_end|>\n<|im_start|>user\n Hi\n<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n")
    }

    func testLlama3Template() throws {
        let template = try ChatTemplate.recognise(template: ChatTemplateTexts.llama3, tokenizer: nil)
        XCTAssertEqual(template, .llama3)
        XCTAssertEqual(template.render(capital, addGenerationPrompt: true),
                       "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertEqual(template.render(conversation, addGenerationPrompt: true),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    func testLlama31TemplateWritesItsSystemTurn() throws {
        let template = try ChatTemplate.recognise(template: ChatTemplateTexts.llama31, tokenizer: nil)
        XCTAssertEqual(template, .llama31(dateString: "26 Jul 2024", systemTurnAlways: true))
        XCTAssertEqual(template.render(capital, addGenerationPrompt: true),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertEqual(template.render(conversation, addGenerationPrompt: false),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>")
        // Llama 3.2 takes today's date from strftime_now when the renderer has it.
        let v32 = ChatTemplateTexts.llama31.replacingOccurrences(
            of: #"{%- set date_string = "26 Jul 2024" %}"#,
            with: #"{%- if strftime_now is defined %}{%- set date_string = strftime_now("%d %b %Y") %}{%- else %}{%- set date_string = "26 Jul 2024" %}{%- endif %}"#)
        XCTAssertEqual(try ChatTemplate.recognise(template: v32, tokenizer: nil), .llama31(dateString: nil, systemTurnAlways: true))
        XCTAssertEqual(ChatTemplate.today(Date(timeIntervalSince1970: 1_722_000_000)), "26 Jul 2024")
        XCTAssertEqual(ChatTemplate.today(Date(timeIntervalSince1970: 1_704_153_600)), "02 Jan 2024")
    }

    func testWithoutATemplateTheVocabularyDecides() throws {
        let tok = try Tokenizer(gguf: TestModel.defaultGGUF())
        XCTAssertEqual(try ChatTemplate.recognise(template: nil, tokenizer: tok), .chatML(defaultSystemPrompt: nil))
        XCTAssertThrowsError(try ChatTemplate.recognise(template: nil, tokenizer: nil)) { error in
            XCTAssertEqual(error as? ChatTemplateError, .missing)
        }
    }

    func testUnrecognisedTemplateIsAClearErrorAndANameForcesOne() throws {
        let mistral = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}"
        XCTAssertThrowsError(try ChatTemplate.recognise(template: mistral, tokenizer: nil)) { error in
            guard case .unrecognised(let start)? = error as? ChatTemplateError else { return XCTFail("\(error)") }
            XCTAssertEqual(start, String(mistral.prefix(80)))
            XCTAssertTrue("\(error)".contains("force one by name (chatml, llama3, llama3.1)"), "\(error)")
        }
        XCTAssertEqual(try ChatTemplate.named("ChatML"), .chatML(defaultSystemPrompt: nil))
        XCTAssertEqual(try ChatTemplate.named("llama3"), .llama3)
        XCTAssertThrowsError(try ChatTemplate.named("vicuna")) { error in
            XCTAssertEqual(error as? ChatTemplateError, .unknownName("vicuna"))
        }
    }
}
