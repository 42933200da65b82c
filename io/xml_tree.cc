#include "io/xml_tree.h"

#include <expat.h>

#include <climits>
#include <memory>
#include <type_traits>

namespace dvol::io {

namespace {

// Expat calls back with each start tag, end tag and piece of text; `open` is the path from the
// root to the element being read.
struct TreeBuilder {
  std::optional<XmlElement> root;
  std::vector<XmlElement*> open;

  static void start(void* self, const XML_Char* name, const XML_Char**) {
    auto& b = *static_cast<TreeBuilder*>(self);
    XmlElement* element;
    if (b.open.empty()) {
      b.root.emplace();
      element = &*b.root;
    } else {
      element = &b.open.back()->children.emplace_back();
    }
    element->name = name;
    b.open.push_back(element);
  }
  static void end(void* self, const XML_Char*) { static_cast<TreeBuilder*>(self)->open.pop_back(); }
  static void text(void* self, const XML_Char* s, int length) {
    auto& b = *static_cast<TreeBuilder*>(self);
    if (!b.open.empty()) b.open.back()->text.append(s, static_cast<size_t>(length));
  }
};

struct ParserFree {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

}  // namespace

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

std::string XmlElement::child_text(std::string_view child_name) const {
  const auto* c = child(child_name);
  return c ? c->text : "";
}

std::optional<XmlElement> parse_xml(std::string_view document) {
  if (document.size() > static_cast<size_t>(INT_MAX)) return std::nullopt;
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserFree> parser(XML_ParserCreate(nullptr));
  if (!parser) return std::nullopt;
  TreeBuilder builder;
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), TreeBuilder::start, TreeBuilder::end);
  XML_SetCharacterDataHandler(parser.get(), TreeBuilder::text);
  // Children point into their parent's vector, which may grow: only the open path is held, and
  // a parent's vector grows only while none of its children is open.
  if (XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()), XML_TRUE) != XML_STATUS_OK)
    return std::nullopt;
  return std::move(builder.root);
}

}  // namespace dvol::io
