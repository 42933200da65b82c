#pragma once
// The small XML documents an S3 server answers with (listings, errors), read into a tree.
// Parsing is expat's; this only keeps what S3's answers need: element names, their text and
// their children, in document order. Attributes and namespaces are dropped.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dvol::io {

struct XmlElement {
  std::string name;
  std::string text;  // the character data directly inside, concatenated
  std::vector<XmlElement> children;

  // The first child called `child_name`, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
  // The text of the first child called `child_name`; "" when there is none.
  std::string child_text(std::string_view child_name) const;
};

// The document's root element; nullopt when `document` is not well-formed XML.
std::optional<XmlElement> parse_xml(std::string_view document);

}  // namespace dvol::io
